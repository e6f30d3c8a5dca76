package capsule

import (
	"context"
	"time"
)

// Deleted is what a ReadDeleted call returns: the records deleted since the
// given time, and the records that became invisible to the caller (for
// example because their visibility was restricted) in that time.
type Deleted struct {
	Records    []DeletedRecord
	Restricted []RestrictedRecord
}

// DeletedRecord is the id of a deleted record and when it was deleted.
type DeletedRecord struct {
	ID        int64     `json:"id"`
	DeletedAt time.Time `json:"deletedAt"`
}

// RestrictedRecord is a party, opportunity or kase the caller can no longer
// see. Its name is "Private" (LastName for a person, Name otherwise); Type
// is only set for parties.
type RestrictedRecord struct {
	ID           int64   `json:"id"`
	Type         string  `json:"type,omitempty"`
	FirstName    *string `json:"firstName,omitempty"`
	LastName     *string `json:"lastName,omitempty"`
	Name         string  `json:"name,omitempty"`
	PictureURL   string  `json:"pictureURL,omitempty"`
	IsRestricted bool    `json:"isRestricted"`
}

// deletedBody decodes the body of GET /{entity}/deleted for any of the three
// entities; only the keys of the requested one are present.
type deletedBody struct {
	Parties                 []DeletedRecord    `json:"parties"`
	RestrictedParties       []RestrictedRecord `json:"restrictedParties"`
	Opportunities           []DeletedRecord    `json:"opportunities"`
	RestrictedOpportunities []RestrictedRecord `json:"restrictedOpportunities"`
	Kases                   []DeletedRecord    `json:"kases"`
	RestrictedKases         []RestrictedRecord `json:"restrictedKases"`
}

// deleted returns the part of b that belongs to entity.
func (b *deletedBody) deleted(entity string) *Deleted {
	switch entity {
	case "parties":
		return &Deleted{Records: b.Parties, Restricted: b.RestrictedParties}
	case "opportunities":
		return &Deleted{Records: b.Opportunities, Restricted: b.RestrictedOpportunities}
	default:
		return &Deleted{Records: b.Kases, Restricted: b.RestrictedKases}
	}
}

// readDeleted reads the deleted feed of e's entity.
func readDeleted[T any](ctx context.Context, e endpoint[T], since time.Time) (*Deleted, *Response, error) {
	var body deletedBody
	resp, err := e.deleted(ctx, since, &body)
	if err != nil {
		return nil, resp, err
	}
	return body.deleted(e.path), resp, nil
}
