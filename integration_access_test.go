package capsule_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/capsulecrm-go/capsule"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The access rules of the real Capsule, as the fake enforces them, seen
// through the SDK: a normal user is refused the administrator's operations
// with ErrForbidden and Capsule's message; an administrator is not.

func TestIntegrationAccess_AdminOnly(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		call func(ctx context.Context, c *capsule.Client) (*capsule.Response, error)
	}{
		{"Pipelines.Create", func(ctx context.Context, c *capsule.Client) (*capsule.Response, error) {
			_, r, err := c.Pipelines.Create(ctx, &capsule.PipelineInput{Name: capsule.Set("Renewals")})
			return r, err
		}},
		{"Pipelines.Update", func(ctx context.Context, c *capsule.Client) (*capsule.Response, error) {
			_, r, err := c.Pipelines.Update(ctx, 53001, &capsule.PipelineInput{Name: capsule.Set("Renamed")})
			return r, err
		}},
		{"Pipelines.Archive", func(ctx context.Context, c *capsule.Client) (*capsule.Response, error) {
			return c.Pipelines.Archive(ctx, 53002)
		}},
		{"Pipelines.Restore", func(ctx context.Context, c *capsule.Client) (*capsule.Response, error) {
			_, r, err := c.Pipelines.Restore(ctx, 53002)
			return r, err
		}},
		{"Boards.Create", func(ctx context.Context, c *capsule.Client) (*capsule.Response, error) {
			_, r, err := c.Boards.Create(ctx, &capsule.BoardInput{Name: capsule.Set("Support")})
			return r, err
		}},
		{"Boards.Update", func(ctx context.Context, c *capsule.Client) (*capsule.Response, error) {
			_, r, err := c.Boards.Update(ctx, 31001, &capsule.BoardInput{Name: capsule.Set("Renamed")})
			return r, err
		}},
		{"Boards.Archive", func(ctx context.Context, c *capsule.Client) (*capsule.Response, error) {
			return c.Boards.Archive(ctx, 31002)
		}},
		{"Boards.Restore", func(ctx context.Context, c *capsule.Client) (*capsule.Response, error) {
			_, r, err := c.Boards.Restore(ctx, 31002)
			return r, err
		}},
		{"Stages.Create", func(ctx context.Context, c *capsule.Client) (*capsule.Response, error) {
			_, r, err := c.Stages.Create(ctx, &capsule.StageInput{Name: capsule.Set("QA"), Board: capsule.Set[int64](31001)})
			return r, err
		}},
		{"Stages.Update", func(ctx context.Context, c *capsule.Client) (*capsule.Response, error) {
			_, r, err := c.Stages.Update(ctx, 104601, &capsule.StageInput{Name: capsule.Set("Brief")})
			return r, err
		}},
		{"Stages.Delete", func(ctx context.Context, c *capsule.Client) (*capsule.Response, error) {
			return c.Stages.Delete(ctx, 104601)
		}},
		{"LostReasons.Create", func(ctx context.Context, c *capsule.Client) (*capsule.Response, error) {
			_, r, err := c.LostReasons.Create(ctx, &capsule.LostReasonInput{Name: capsule.Set("Budget")})
			return r, err
		}},
		{"LostReasons.Update", func(ctx context.Context, c *capsule.Client) (*capsule.Response, error) {
			_, r, err := c.LostReasons.Update(ctx, 201, &capsule.LostReasonInput{Name: capsule.Set("Renamed")})
			return r, err
		}},
		{"LostReasons.Delete", func(ctx context.Context, c *capsule.Client) (*capsule.Response, error) {
			return c.LostReasons.Delete(ctx, 201)
		}},
		{"Titles.Create", func(ctx context.Context, c *capsule.Client) (*capsule.Response, error) {
			_, r, err := c.Titles.Create(ctx, &capsule.PersonTitleInput{Title: capsule.Set("Madam")})
			return r, err
		}},
		{"Titles.Delete", func(ctx context.Context, c *capsule.Client) (*capsule.Response, error) {
			return c.Titles.Delete(ctx, 1)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			srv, admin := startFake(t, 0, nil)
			normal := clientFor(t, srv, srv.UserToken)

			resp, err := tc.call(ctx, normal)
			require.ErrorIs(t, err, capsule.ErrForbidden)
			var apiErr *capsule.APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, http.StatusForbidden, apiErr.StatusCode)
			assert.Equal(t, "You must be an account administrator to perform this action", apiErr.Message)
			require.NotNil(t, resp)
			assert.NotContains(t, err.Error(), srv.UserToken)

			_, err = tc.call(ctx, admin)
			require.NoError(t, err)
		})
	}
}

func TestIntegrationAccess_RestHooksNeedAnApplication(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	srv, personal := startFake(t, 0, nil)
	in := &capsule.RestHookInput{Event: capsule.Set(capsule.EventPartyCreated), TargetURL: capsule.Set("https://sync.example.com/h")}

	_, _, err := personal.RestHooks.Subscribe(ctx, in)
	require.ErrorIs(t, err, capsule.ErrForbidden)
	var apiErr *capsule.APIError
	require.True(t, errors.As(err, &apiErr))
	assert.Equal(t, "REST hooks can only be managed by a registered OAuth application", apiErr.Message)

	app := clientFor(t, srv, srv.AppToken)
	mine, _, err := app.RestHooks.Subscribe(ctx, in)
	require.NoError(t, err)
	srv.AddAppToken("another-app-token", "another-app", srv.CurrentUserID())
	other := clientFor(t, srv, "another-app-token")
	theirs, _, err := other.RestHooks.Subscribe(ctx, in)
	require.NoError(t, err)

	listed, _, err := app.RestHooks.Read(ctx)
	require.NoError(t, err)
	assert.Equal(t, []*capsule.RestHook{mine}, listed)
	_, _, err = app.RestHooks.ReadSingle(ctx, theirs.ID)
	require.ErrorIs(t, err, capsule.ErrNotFound)
	all, _, err := personal.RestHooks.Read(ctx)
	require.NoError(t, err)
	assert.Len(t, all, 2)
}
