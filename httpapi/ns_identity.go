package httpapi

// identityEndpoints lists the com.atproto.identity methods this server serves.
func (s *Server) identityEndpoints() []endpoint {
	return []endpoint{}
}
