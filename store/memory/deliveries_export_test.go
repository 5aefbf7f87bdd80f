package memory

// DeliveriesLen counts the records held, expired or not, for tests.
func DeliveriesLen(s *Deliveries) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.records)
}
