package capsule

// TEMPORARY stand-ins for the core (errors.go) until it lands on main.
// Deleted by the merge of main.

import (
	"errors"
	"fmt"
)

// ErrInvalidArgument is a stand-in.
var ErrInvalidArgument = errors.New("capsule: invalid argument")

func invalidArg(arg, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrInvalidArgument, arg, fmt.Sprintf(format, args...))
}
