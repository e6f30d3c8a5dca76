package capsule_test

import (
	"testing"

	"github.com/capsulecrm-go/capsule"
	"github.com/capsulecrm-go/capsule/capsuletest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestIntegration_LostCreateIsNotReplayed: a create whose answer is lost
// (applied, connection closed) is an error to the caller, not a retry that
// makes a duplicate; an idempotent read after a lost answer is retried.
func TestIntegration_LostCreateIsNotReplayed(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	srv, c := startFake(t, 5, nil)
	srv.LoseNextAnswer(1)
	n := len(srv.Requests())
	_, _, err := c.Parties.Create(ctx, &capsule.PartyInput{Type: capsule.Set(capsule.PartyOrganisation), Name: capsule.Set("Exactly Once Ltd")})
	require.Error(t, err)
	assert.Equal(t, []string{"POST /parties 0"}, statuses(requestsSince(srv, n)), "sent once, not replayed")

	found, _, err := c.Parties.Search(ctx, "Exactly Once Ltd", nil)
	require.NoError(t, err)
	assert.Len(t, found, 1, "the create was applied once")

	// a read is idempotent: the SDK retries it after the same fault
	srv.SetFaultKinds(capsuletest.FaultLostAnswer)
	srv.SetFaultRate(1, 1)
	n = len(srv.Requests())
	_, _, err = c.Parties.Search(ctx, "Exactly Once Ltd", nil)
	require.Error(t, err)
	assert.Greater(t, len(requestsSince(srv, n)), 1, "the read was retried")
}
