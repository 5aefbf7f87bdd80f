package sim

func (s *Sandbox) mountAgencies() {
	// Filled in as the agency simulators land.
}
