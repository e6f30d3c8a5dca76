package noroute

// ThingsService has a method without a route line.
type ThingsService struct{}

// Read reads things.
func (s *ThingsService) Read() {}
