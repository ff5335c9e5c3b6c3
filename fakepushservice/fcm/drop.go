package fcm

// DropAll closes every MCS connection at once, without a Close frame, as a network failure
// would, and returns how many it closed. Chromium reconnects and logs in again (listing the
// persistent ids it received but did not ack), and the core sends every message that was not
// acknowledged again. Fault injection for link-failure tests (hardening/), the FCM counterpart of
// autopush's Link.Drop.
func (l *Link) DropAll() int {
	l.mu.Lock()
	cs := make([]*mcsConn, 0, len(l.conns))
	for c := range l.conns {
		cs = append(cs, c)
	}
	l.mu.Unlock()
	for _, c := range cs {
		c.nc.Close()
	}
	return len(cs)
}
