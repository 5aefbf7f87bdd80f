package memory

// DeliveriesLen counts the records held, expired or not, for tests.
func DeliveriesLen(s *Deliveries) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.records)
}

// ReplayExpiries counts the expiries queued in g's heap, for tests.
func ReplayExpiries(g *ReplayGuard) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.exp)
}
