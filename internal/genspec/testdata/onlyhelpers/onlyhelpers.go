package onlyhelpers

import "iter"

// ThingsService has only an iterator on a route.
type ThingsService struct{}

// ReadIter iterates.
//
// Capsule API docs: https://example.com/docs/Thing
// GET /things
func (s *ThingsService) ReadIter() iter.Seq2[int, error] { return nil }
