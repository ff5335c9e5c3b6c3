package fakepushservice

func (s *Server) controlRoutes() {}
