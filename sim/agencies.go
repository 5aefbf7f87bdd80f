package sim

// mountAgencies mounts every agency simulator. Each mountX lives in
// mount_<agency>.go next to nothing else, so each can change on its own.
func (s *Sandbox) mountAgencies() {
	s.mountDukcapil()
	s.mountBPJS()
	s.mountSatuSehat()
	s.mountEducation()
	s.mountPolice()
	s.mountSocial()
}
