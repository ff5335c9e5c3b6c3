package fakepushservice

// VirtualUA is an in-process user agent.
type VirtualUA struct{}
