package capsule

// Argument checks shared by the services: each returns an error matching
// ErrInvalidArgument, before any request is sent.

import (
	"regexp"
	"strings"
	"unicode"
)

// checkSegment validates a string id that becomes one segment of a path
// (a job id): it must not be blank, "." or "..", nor hold a slash, a
// query or fragment mark or a control character, which would make it
// another path. The core escapes it once, when it builds the URL.
func checkSegment(arg, id string) error {
	if strings.TrimSpace(id) == "" || isDotSegment(id) ||
		strings.ContainsAny(id, `/\?#`) || strings.ContainsFunc(id, unicode.IsControl) {
		return invalidArg(arg, "%q is not a single path segment", id)
	}
	return nil
}

// checkText validates a string field of an input. A required field must be
// set to a non-blank string; an optional one may be unset, but when set it
// must not be blank or null.
func checkText(arg string, o Optional[string], required bool) error {
	if o.IsNull() {
		return invalidArg(arg, "must not be null")
	}
	v, ok := o.Get()
	if !ok {
		if required {
			return invalidArg(arg, "is required")
		}
		return nil
	}
	if strings.TrimSpace(v) == "" {
		return invalidArg(arg, "must not be empty")
	}
	return nil
}

// checkID validates a positive id argument.
func checkID(arg string, id int64) error {
	if id <= 0 {
		return invalidArg(arg, "must be positive, got %d", id)
	}
	return nil
}

// checkInput rejects a nil input pointer.
func checkInput[T any](in *T) error {
	if in == nil {
		return invalidArg("input", "must not be nil")
	}
	return nil
}

var colourPattern = regexp.MustCompile(`^#[0-9A-Fa-f]{6}$`)

// hasText reports whether o holds a non-empty string.
func hasText(o Optional[string]) bool {
	v, ok := o.Get()
	return ok && v != ""
}

// checkRef rejects a set reference without a positive id.
func checkRef(arg string, r Optional[Ref]) error {
	if v, ok := r.Get(); ok && v.ID <= 0 {
		return invalidArg(arg, "id must be positive, got %d", v.ID)
	}
	return nil
}
