package capsule

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDeleteWire covers every method that sends a DELETE: the path, no
// query and no body; 204 with no job; 202 with the job from Location; and
// 404 as ErrNotFound.
func TestDeleteWire(t *testing.T) {
	t.Parallel()
	cases := []struct {
		path string
		call func(ctx context.Context, c *Client) (*Response, error)
	}{
		{"/parties/7", func(ctx context.Context, c *Client) (*Response, error) { return c.Parties.Delete(ctx, 7) }},
		{"/opportunities/5", func(ctx context.Context, c *Client) (*Response, error) { return c.Opportunities.Delete(ctx, 5) }},
		{"/kases/5", func(ctx context.Context, c *Client) (*Response, error) { return c.Kases.Delete(ctx, 5) }},
		{"/tasks/100", func(ctx context.Context, c *Client) (*Response, error) { return c.Tasks.Delete(ctx, 100) }},
		{"/tracks/55", func(ctx context.Context, c *Client) (*Response, error) { return c.Tracks.Delete(ctx, 55) }},
		{"/trackdefinitions/3", func(ctx context.Context, c *Client) (*Response, error) { return c.TrackDefinitions.Delete(ctx, 3) }},
		{"/entries/900", func(ctx context.Context, c *Client) (*Response, error) { return c.Entries.Delete(ctx, 900) }},
		{"/parties/fields/definitions/45", func(ctx context.Context, c *Client) (*Response, error) {
			return c.CustomFields.Delete(ctx, EntityParties, 45)
		}},
		{"/opportunities/fields/definitions/45", func(ctx context.Context, c *Client) (*Response, error) {
			return c.CustomFields.Delete(ctx, EntityOpportunities, 45)
		}},
		{"/kases/tags/7", func(ctx context.Context, c *Client) (*Response, error) { return c.Tags.Delete(ctx, EntityKases, 7) }},
		{"/parties/tags/7", func(ctx context.Context, c *Client) (*Response, error) { return c.Tags.Delete(ctx, EntityParties, 7) }},
		{"/titles/10", func(ctx context.Context, c *Client) (*Response, error) { return c.Titles.Delete(ctx, 10) }},
		{"/activitytypes/17", func(ctx context.Context, c *Client) (*Response, error) { return c.ActivityTypes.Delete(ctx, 17) }},
		{"/categories/1", func(ctx context.Context, c *Client) (*Response, error) { return c.Categories.Delete(ctx, 1) }},
		{"/lostreasons/5", func(ctx context.Context, c *Client) (*Response, error) { return c.LostReasons.Delete(ctx, 5) }},
		{"/pipelines/1", func(ctx context.Context, c *Client) (*Response, error) { return c.Pipelines.Archive(ctx, 1) }},
		{"/milestones/11", func(ctx context.Context, c *Client) (*Response, error) { return c.Milestones.Delete(ctx, 11) }},
		{"/boards/34", func(ctx context.Context, c *Client) (*Response, error) { return c.Boards.Archive(ctx, 34) }},
		{"/stages/71", func(ctx context.Context, c *Client) (*Response, error) { return c.Stages.Delete(ctx, 71) }},
		{"/resthooks/101", func(ctx context.Context, c *Client) (*Response, error) { return c.RestHooks.Unsubscribe(ctx, 101) }},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			t.Parallel()
			for _, answer := range []int{http.StatusNoContent, http.StatusAccepted, http.StatusNotFound} {
				c, mux := setup(t)
				mux.HandleFunc(tc.path, func(w http.ResponseWriter, r *http.Request) {
					testMethod(t, r, http.MethodDelete)
					testQuery(t, r, url.Values{})
					assert.Zero(t, r.ContentLength, "a delete has no body")
					switch answer {
					case http.StatusAccepted:
						w.Header().Set("Location", "https://api.capsulecrm.com/api/v2/jobs/02ae8e16-7d4c")
						w.WriteHeader(answer)
					case http.StatusNotFound:
						writeJSON(t, w, answer, `{"message":"Could not find resource"}`)
					default:
						w.WriteHeader(answer)
					}
				})
				resp, err := tc.call(t.Context(), c)
				require.NotNil(t, resp)
				assert.Equal(t, answer, resp.StatusCode)
				switch answer {
				case http.StatusNotFound:
					assert.ErrorIs(t, err, ErrNotFound)
				case http.StatusAccepted:
					require.NoError(t, err)
					assert.Equal(t, "02ae8e16-7d4c", resp.JobID())
				default:
					require.NoError(t, err)
					assert.Empty(t, resp.JobID())
				}
			}
		})
	}
}
