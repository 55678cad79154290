package httpapi

// syncEndpoints lists the com.atproto.sync methods this server serves.
func (s *Server) syncEndpoints() []endpoint {
	return []endpoint{}
}
