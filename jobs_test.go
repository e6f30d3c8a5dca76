package capsule

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const testJobID = "02ae8e16-7a1c-4b5e-9d0f-3c2b1a0e9f8d"

func TestJobsReadSingle(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /jobs/{id}", func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, testJobID, r.PathValue("id"))
		testQuery(t, r, nil)
		writeJSON(t, w, http.StatusOK, string(fixture(t, "jobs/show.json")))
	})
	got, _, err := c.Jobs.ReadSingle(t.Context(), testJobID)
	require.NoError(t, err)
	assert.Equal(t, &Job{ID: testJobID, Status: JobCompleted, Progress: 100, Action: "Deleting Tag"}, got)
	assert.True(t, got.Done())
}

func TestJobsReadSingleNotFound(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /jobs/{id}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(t, w, http.StatusNotFound, `{"message":"Could not find resource"}`)
	})
	_, _, err := c.Jobs.ReadSingle(t.Context(), "gone")
	assert.ErrorIs(t, err, ErrNotFound)
	_, _, err = c.Jobs.Wait(t.Context(), "gone", time.Millisecond)
	assert.ErrorIs(t, err, ErrNotFound)
}

// jobServer answers GET /jobs/{id} with the given statuses in turn,
// repeating the last one, and counts the requests.
func jobServer(t *testing.T, mux *http.ServeMux, statuses ...string) *atomic.Int32 {
	var n atomic.Int32
	mux.HandleFunc("GET /jobs/{id}", func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, testJobID, r.PathValue("id"))
		i := int(n.Add(1)) - 1
		st := statuses[min(i, len(statuses)-1)]
		progress := 50
		if st == "completed" {
			progress = 100
		}
		writeJSON(t, w, http.StatusOK, fmt.Sprintf(`{"job":{"id":%q,"status":%q,"progress":%d,"action":"Deleting Party"}}`, testJobID, st, progress))
	})
	return &n
}

func TestJobsWaitUntilCompleted(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	n := jobServer(t, mux, "pending", "running", "completed")
	got, resp, err := c.Jobs.Wait(t.Context(), testJobID, time.Nanosecond)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, &Job{ID: testJobID, Status: JobCompleted, Progress: 100, Action: "Deleting Party"}, got)
	assert.Equal(t, int32(3), n.Load())
}

func TestJobsWaitFailed(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	n := jobServer(t, mux, "running", "FAILED")
	got, _, err := c.Jobs.Wait(t.Context(), testJobID, time.Nanosecond)
	require.ErrorIs(t, err, ErrJobFailed)
	require.NotNil(t, got)
	assert.Equal(t, JobStatus("FAILED"), got.Status)
	assert.Equal(t, int32(2), n.Load())
}

// Wait stops as soon as its context ends, even in the middle of a long
// interval: the only way this test can end is by cancellation.
func TestJobsWaitContextCanceled(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	ctx, cancel := context.WithCancel(t.Context())
	var n atomic.Int32
	mux.HandleFunc("GET /jobs/{id}", func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		cancel()
		writeJSON(t, w, http.StatusOK, `{"job":{"id":"x","status":"running","progress":10,"action":"Deleting"}}`)
	})
	// The cancellation may cut the first read short or end the sleep after
	// it; either way Wait returns ctx's error after one request.
	_, _, err := c.Jobs.Wait(ctx, "x", time.Hour)
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, int32(1), n.Load())
}

// A zero interval means the default; a job already done is returned after
// one request without waiting.
func TestJobsWaitZeroInterval(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	n := jobServer(t, mux, "completed")
	got, _, err := c.Jobs.Wait(t.Context(), testJobID, 0)
	require.NoError(t, err)
	assert.Equal(t, JobCompleted, got.Status)
	assert.Equal(t, int32(1), n.Load())
}

func TestJobDone(t *testing.T) {
	t.Parallel()
	var nilJob *Job
	assert.False(t, nilJob.Done())
	assert.False(t, (&Job{Status: "pending"}).Done())
	assert.True(t, (&Job{Status: "COMPLETED"}).Done())
	assert.True(t, (&Job{Status: JobFailed}).Done())
}

func TestJobsInvalidArguments(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	n := refuseRequests(t, mux)
	ctx := t.Context()
	for _, id := range []string{"", "  ", "a/b", "..", "x?y", "x#y"} {
		_, _, err := c.Jobs.ReadSingle(ctx, id)
		assert.ErrorIs(t, err, ErrInvalidArgument, "ReadSingle(%q)", id)
		_, _, err = c.Jobs.Wait(ctx, id, time.Millisecond)
		assert.ErrorIs(t, err, ErrInvalidArgument, "Wait(%q)", id)
	}
	_, _, err := c.Jobs.Wait(ctx, testJobID, -time.Second)
	assert.ErrorIs(t, err, ErrInvalidArgument)
	assert.Zero(t, n.Load())
}
