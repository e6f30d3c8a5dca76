package capsule

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// wantDeleted holds the decoded deleted-feed fixtures, by entity.
func wantDeleted(t *testing.T, entity string) *Deleted {
	switch entity {
	case "parties":
		return &Deleted{
			Records: []DeletedRecord{
				{ID: 448354, DeletedAt: ts(t, "2015-07-14T11:26:19Z")},
				{ID: 448355, DeletedAt: ts(t, "2015-07-15T09:00:00Z")},
			},
			Restricted: []RestrictedRecord{
				{ID: 11, Type: PartyPerson, LastName: Ptr("Private"), PictureURL: "https://example.com/p.png", IsRestricted: true},
				{ID: 12, Type: PartyOrganisation, Name: "Private", PictureURL: "https://example.com/o.png", IsRestricted: true},
			},
		}
	case "opportunities":
		return &Deleted{
			Records:    []DeletedRecord{{ID: 77, DeletedAt: ts(t, "2024-01-02T03:04:05Z")}},
			Restricted: []RestrictedRecord{{ID: 78, Name: "Private", IsRestricted: true}},
		}
	}
	return &Deleted{
		Records:    []DeletedRecord{{ID: 1, DeletedAt: ts(t, "2025-01-01T00:00:00Z")}},
		Restricted: []RestrictedRecord{{ID: 2, Name: "Private", IsRestricted: true}},
	}
}

func TestDeletedBodyDecode(t *testing.T) {
	t.Parallel()
	for _, entity := range []string{"parties", "opportunities", "kases"} {
		t.Run(entity, func(t *testing.T) {
			t.Parallel()
			var b deletedBody
			require.NoError(t, json.Unmarshal(fixture(t, entity+"/deleted.json"), &b))
			assert.Equal(t, wantDeleted(t, entity), b.deleted(entity))
		})
	}
}

func TestDeletedBodyWithoutRestricted(t *testing.T) {
	t.Parallel()
	var b deletedBody
	require.NoError(t, json.Unmarshal([]byte(`{"kases":[]}`), &b))
	got := b.deleted("kases")
	assert.Empty(t, got.Records)
	assert.Nil(t, got.Restricted)
}
