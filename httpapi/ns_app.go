package httpapi

// appEndpoints lists the app.bsky and chat.bsky methods the PDS serves itself (preferences) methods this server serves.
func (s *Server) appEndpoints() []endpoint {
	return []endpoint{}
}
