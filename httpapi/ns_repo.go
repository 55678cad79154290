package httpapi

// repoEndpoints lists the com.atproto.repo methods this server serves.
func (s *Server) repoEndpoints() []endpoint {
	return []endpoint{}
}
