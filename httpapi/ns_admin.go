package httpapi

// adminEndpoints lists the com.atproto.admin methods this server serves.
func (s *Server) adminEndpoints() []endpoint {
	return []endpoint{}
}
