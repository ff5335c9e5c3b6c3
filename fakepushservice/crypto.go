package fakepushservice

// checkCrypto grades VAPID, the aes128gcm header and (for virtual-UA subscriptions) the
// decrypted plaintext, adding conditions for what a profile may refuse.
func (s *Server) checkCrypto(p *pushReq) {
	auth := p.r.Header.Get("Authorization")
	if auth == "" && p.sub != nil && p.sub.sub.AppServerKey != nil {
		p.verdict("rfc8292-4.2-restricted-needs-jwt", false, "restricted subscription and no Authorization header", nil)
		p.add(CondVAPIDAbsent, "the subscription was made with an applicationServerKey; a vapid Authorization is required (RFC 8292 §4.2)")
	}
}
