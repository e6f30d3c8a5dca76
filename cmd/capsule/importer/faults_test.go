package importer_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/capsulecrm-go/capsule"
	"github.com/capsulecrm-go/capsule/capsuletest"
	"github.com/capsulecrm-go/capsule/cmd/capsule/importer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMaxRequestsWithShowMultiple(t *testing.T) {
	srv := newServer(t)
	c := newClient(t, srv)
	parties, _, err := c.Parties.Read(t.Context(), nil)
	require.NoError(t, err)
	in := fmt.Sprintf("id,about\n%d,m1\n%d,m2\n", parties[0].ID, parties[1].ID)
	srv.ResetRequests()
	res := run(t, c, in, importer.Options{Type: "parties", Mode: importer.ModeUpdate, MaxRequests: 2})
	require.ErrorIs(t, res.err, importer.ErrStopped)
	assert.Equal(t, []importer.Status{"failed", "failed"}, statuses(res.rows), "no room for a lookup and a write")
	assert.Len(t, srv.Requests(), 1, "the definitions only")
	res = run(t, c, in, importer.Options{Type: "parties", Mode: importer.ModeUpdate, MaxRequests: 3})
	require.ErrorIs(t, res.err, importer.ErrStopped)
	assert.Equal(t, []importer.Status{"updated", "failed"}, statuses(res.rows))
}

// TestLostAnswerThenUpsertFinishes loses the answer of the second create:
// the fake made the party, the run reports the row unknown, and an upsert
// by the same match finds it instead of making it again.
func TestLostAnswerThenUpsertFinishes(t *testing.T) {
	srv := newServer(t)
	n := 0
	lose := &loseAnswers{pick: func(r *http.Request) bool {
		if !isCreate(r) {
			return false
		}
		n++
		return n == 2
	}}
	c := newClient(t, srv, capsule.WithHTTPClient(&http.Client{Transport: lose}))
	in := "first_name,email\nAnn,ann@x.test\nBob,bob@x.test\nCy,cy@x.test\n"
	res := run(t, c, in, importer.Options{Type: "parties", Match: "email"})
	require.NoError(t, res.err)
	assert.Equal(t, []importer.Status{"created", "unknown", "created"}, statuses(res.rows))
	assert.Contains(t, res.rows[1].Err, "--mode upsert")
	assert.True(t, res.sum.Failed())
	posts := 0
	for _, r := range srv.Requests() {
		if r.Method == "POST" && r.Path == "/api/v2/parties" {
			posts++
		}
	}
	assert.Equal(t, 3, posts, "the create whose answer was lost is not sent again")

	res = run(t, c, in, importer.Options{Type: "parties", Mode: importer.ModeUpsert, Match: "email"})
	require.NoError(t, res.err)
	assert.Equal(t, []importer.Status{"unchanged", "unchanged", "unchanged"}, statuses(res.rows))
	assertOnce(t, c, "ann@x.test", "bob@x.test", "cy@x.test")
}

// TestRandomFaultsEndWithEachRowOnce runs an upsert through 503s, dropped
// connections and lost answers until every row is done: each row is then
// applied exactly once.
func TestRandomFaultsEndWithEachRowOnce(t *testing.T) {
	srv := newServer(t)
	lose := &loseAnswers{pick: randomly(0.2, 7)}
	c := newClient(t, srv, capsule.WithHTTPClient(&http.Client{Transport: lose}))
	var b strings.Builder
	b.WriteString("first_name,email,job_title\n")
	var emails []string
	for i := range 40 {
		e := fmt.Sprintf("p%d@faults.test", i)
		emails = append(emails, e)
		fmt.Fprintf(&b, "P%d,%s,Role %d\n", i, e, i)
	}
	srv.SetFaultRate(0.15, 3)
	runs := 0
	for ; runs < 15; runs++ {
		if runs%2 == 1 {
			srv.DropNextConnection(2)
		}
		res := run(t, c, b.String(), importer.Options{Type: "parties", Mode: importer.ModeUpsert, Match: "email"})
		if res.err == nil && !res.sum.Failed() {
			break
		}
	}
	require.Less(t, runs, 15, "the job finishes")
	require.Positive(t, lose.lost, "some answers were lost")
	srv.SetFaultRate(0, 0)
	assertOnce(t, c, emails...)
}

func TestMaxRequestsStopsAndTheSameCommandResumes(t *testing.T) {
	srv := newServer(t)
	c := newClient(t, srv)
	in := "name,email\nA,a@r.test\nB,b@r.test\nC,c@r.test\nD,d@r.test\n"
	opts := importer.Options{Type: "parties", Mode: importer.ModeUpsert, Match: "email", MaxRequests: 5}
	res := run(t, c, in, opts)
	require.ErrorIs(t, res.err, importer.ErrStopped)
	assert.LessOrEqual(t, res.sum.Requests, 5)
	// the definitions, one page of candidates, three creates
	assert.Equal(t, []importer.Status{"created", "created", "created", "failed"}, statuses(res.rows))
	assert.Contains(t, res.rows[3].Err, "not attempted: --max-requests reached")
	assert.Contains(t, res.sum.String(), "stopped: --max-requests reached")

	opts.MaxRequests = 0
	res = run(t, c, in, opts)
	require.NoError(t, res.err)
	assert.Equal(t, []importer.Status{"unchanged", "unchanged", "unchanged", "created"}, statuses(res.rows))
	assertOnce(t, c, "a@r.test", "b@r.test", "c@r.test", "d@r.test")
}

func TestCancelledRunResumes(t *testing.T) {
	srv := newServer(t)
	c := newClient(t, srv)
	var b strings.Builder
	b.WriteString("name,email\n")
	for i := range 25 {
		fmt.Fprintf(&b, "N%d,n%d@c.test\n", i, i)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	opts := importer.Options{Type: "parties", Mode: importer.ModeUpsert, Match: "email"}
	done := 0
	opts.OnRow = func(importer.RowResult) {
		if done++; done == 13 {
			cancel()
		}
	}
	res := runCtx(t, ctx, c, b.String(), opts)
	require.ErrorIs(t, res.err, importer.ErrStopped)
	assert.Equal(t, 13, res.sum.Counts[importer.StatusCreated])
	assert.Equal(t, 12, res.sum.Counts[importer.StatusFailed])
	assert.Contains(t, res.sum.Stopped, "interrupted")

	res = run(t, c, b.String(), importer.Options{Type: "parties", Mode: importer.ModeUpsert, Match: "email"})
	require.NoError(t, res.err)
	assert.Equal(t, 13, res.sum.Counts[importer.StatusUnchanged])
	assert.Equal(t, 12, res.sum.Counts[importer.StatusCreated])
}

// answerCreates answers every create with status, without forwarding it.
type answerCreates struct{ status int }

func (a answerCreates) RoundTrip(r *http.Request) (*http.Response, error) {
	if !isCreate(r) {
		return http.DefaultTransport.RoundTrip(r)
	}
	return &http.Response{StatusCode: a.status, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(`{"message":"test answer"}`)), Request: r}, nil
}

func TestCreateAnswersFailedOrUnknown(t *testing.T) {
	srv := newServer(t)
	for status, want := range map[int]importer.Status{
		http.StatusUnprocessableEntity: importer.StatusFailed,
		http.StatusServiceUnavailable:  importer.StatusFailed,  // Capsule refused it
		http.StatusGatewayTimeout:      importer.StatusUnknown, // a gateway gave up: it may have been done
		http.StatusBadGateway:          importer.StatusUnknown,
		http.StatusTooManyRequests:     importer.StatusFailed, // refused, retried by the SDK, refused again
	} {
		c := newClient(t, srv, capsule.WithHTTPClient(&http.Client{Transport: answerCreates{status}}))
		res := run(t, c, "name\nA\n", importer.Options{Type: "parties"})
		require.NoError(t, res.err)
		assert.Equal(t, []importer.Status{want}, statuses(res.rows), "status %d", status)
		if status == http.StatusTooManyRequests {
			assert.Contains(t, res.rows[0].Err, "rate limit reached")
		} else {
			assert.Contains(t, res.rows[0].Err, fmt.Sprintf("Capsule answered %d test answer", status))
			assert.NotContains(t, res.rows[0].Err, "http://", "the URL is the same for every row")
		}
	}
}

// TestMaxRequestsWithAFilterPerRowSpendsOnWholeRows checks that a small
// budget is spent on whole rows (a lookup and its write), so that each
// run of the same command gets further.
func TestMaxRequestsWithAFilterPerRowSpendsOnWholeRows(t *testing.T) {
	srv := newServer(t, capsuletest.WithSeed(150))
	c := newClient(t, srv)
	in := "name,email\nA,a@w.test\nB,b@w.test\nC,c@w.test\n"
	opts := importer.Options{Type: "parties", Mode: importer.ModeUpsert, Match: "email", MaxRequests: 5}
	// the definitions, one page of candidates (more follow: given up), then
	// a filter and a create for row 1; row 2 would pass 5
	res := run(t, c, in, opts)
	require.ErrorIs(t, res.err, importer.ErrStopped)
	assert.Equal(t, "per-row filter", res.sum.Lookup)
	assert.Equal(t, []importer.Status{"created", "failed", "failed"}, statuses(res.rows))
	assert.Equal(t, 4, res.sum.Requests)
	res = run(t, c, in, opts)
	require.ErrorIs(t, res.err, importer.ErrStopped)
	assert.Equal(t, []importer.Status{"unchanged", "created", "failed"}, statuses(res.rows), "the second run gets further")
	opts.MaxRequests = 0
	res = run(t, c, in, opts)
	require.NoError(t, res.err)
	assert.Equal(t, []importer.Status{"unchanged", "unchanged", "created"}, statuses(res.rows))
	assertOnce(t, c, "a@w.test", "b@w.test", "c@w.test")
}

func TestRequestsSentCountsRetries(t *testing.T) {
	srv := newServer(t)
	var sent atomic.Int64
	c := newClient(t, srv, capsule.WithObserver(func(capsule.RequestEvent) { sent.Add(1) }))
	sent.Store(100) // what the client sent before the run does not count
	srv.FailNext(1, http.StatusServiceUnavailable)
	res := run(t, c, "name\nR1\nR2\n", importer.Options{Type: "parties", MaxRequests: 3,
		RequestsSent: func() int { return int(sent.Load()) }})
	require.ErrorIs(t, res.err, importer.ErrStopped)
	assert.Equal(t, 3, res.sum.Requests, "the definitions twice (a retry), one create")
	assert.Equal(t, []importer.Status{"created", "failed"}, statuses(res.rows))
}

// TestDeleteWhoseAnswerIsLost: the SDK repeats the delete (it is
// idempotent), Capsule answers 404 as it is gone, and the row is deleted.
func TestDeleteWhoseAnswerIsLost(t *testing.T) {
	srv := newServer(t)
	once := false
	lose := &loseAnswers{pick: func(r *http.Request) bool {
		if r.Method == http.MethodDelete && !once {
			once = true
			return true
		}
		return false
	}}
	c := newClient(t, srv, capsule.WithHTTPClient(&http.Client{Transport: lose}))
	created := run(t, c, "name\nGone Org\n", importer.Options{Type: "parties"})
	require.NoError(t, created.err)
	srv.ResetRequests()
	res := run(t, c, fmt.Sprintf("id\n%d\n", created.rows[0].ID), importer.Options{Type: "parties", Mode: importer.ModeDelete})
	require.NoError(t, res.err)
	assert.Equal(t, []importer.Status{"deleted"}, statuses(res.rows))
	assert.Equal(t, 1, lose.lost)
	assert.Len(t, writes(srv), 2, "sent, lost, sent again")
}

// TestTheFakesLostAnswersNeverDuplicate drives the fake's own faults (5xx,
// dropped connections, writes applied whose answers never arrive) through
// an upsert run after run, with no test transport: when the job is done
// each row is in Capsule exactly once.
func TestTheFakesLostAnswersNeverDuplicate(t *testing.T) {
	srv := newServer(t)
	c := newClient(t, srv)
	var b strings.Builder
	b.WriteString("first_name,email\n")
	var emails []string
	for i := range 30 {
		e := fmt.Sprintf("f%d@fake-faults.test", i)
		emails = append(emails, e)
		fmt.Fprintf(&b, "F%d,%s\n", i, e)
	}
	srv.LoseNextAnswer(1) // the first create is applied and its answer lost
	res := run(t, c, b.String(), importer.Options{Type: "parties", Mode: importer.ModeUpsert, Match: "email"})
	require.NoError(t, res.err)
	unknown := 0
	for _, r := range res.rows {
		if r.Status == importer.StatusUnknown {
			unknown++
		}
	}
	require.Equal(t, 1, unknown, "the lost answer is reported, not retried")

	srv.SetFaultKinds(capsuletest.FaultServerError, capsuletest.FaultDropConnection, capsuletest.FaultLostAnswer)
	srv.SetFaultRate(0.2, 11)
	runs := 0
	for ; runs < 20; runs++ {
		res = run(t, c, b.String(), importer.Options{Type: "parties", Mode: importer.ModeUpsert, Match: "email"})
		if res.err == nil && !res.sum.Failed() {
			break
		}
	}
	require.Less(t, runs, 20, "the job finishes")
	srv.SetFaultRate(0, 0)
	lost := 0
	for _, r := range srv.Requests() {
		if r.Method == http.MethodPost && r.Status == 0 {
			lost++
		}
	}
	require.Positive(t, lost, "some writes went unanswered")
	assertOnce(t, c, emails...)
}
