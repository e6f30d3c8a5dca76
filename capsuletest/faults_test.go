package capsuletest_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/capsulecrm-go/capsule/capsuletest"
)

// send makes one request and returns its status, or the transport error
// (reading the body included).
func send(t *testing.T, srv *capsuletest.Server, method, path, body string) (int, error) {
	t.Helper()
	r, err := http.NewRequest(method, srv.BaseURL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Authorization", "Bearer "+srv.Token)
	r.Header.Set("Content-Type", "application/json")
	res, err := srv.Client().Do(r)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	if _, err := io.ReadAll(res.Body); err != nil {
		return 0, err
	}
	return res.StatusCode, nil
}

func partiesNamed(t *testing.T, srv *capsuletest.Server, name string) int {
	t.Helper()
	return len(get(t, srv, "/parties/search?q="+url.QueryEscape(name)).want(t, 200).list(t, "parties"))
}

func TestLoseNextAnswer(t *testing.T) {
	srv := newServer(t)
	srv.LoseNextAnswer(1)
	// reads, the read-only POST of filters included, are not the writes counted
	if status, err := send(t, srv, "GET", "/site", ""); err != nil || status != 200 {
		t.Fatalf("GET: %d %v", status, err)
	}
	if status, err := send(t, srv, "POST", "/parties/filters/results", `{"filter":{"conditions":[]}}`); err != nil || status != 200 {
		t.Fatalf("filter: %d %v", status, err)
	}
	_, err := send(t, srv, "POST", "/parties", `{"party":{"type":"organisation","name":"Lost Answer Ltd"}}`)
	if err == nil {
		t.Fatal("the create's answer arrived")
	}
	if n := partiesNamed(t, srv, "Lost Answer Ltd"); n != 1 {
		t.Errorf("%d parties after the lost answer, want 1 (applied)", n)
	}
	log := srv.Requests()
	if last := log[2]; last.Method != "POST" || last.Path != "/api/v2/parties" || last.Status != 0 || !strings.Contains(string(last.Body), "Lost Answer") {
		t.Errorf("logged %s %s %d %q", last.Method, last.Path, last.Status, last.Body)
	}
	// only the next one
	if status, err := send(t, srv, "POST", "/parties", `{"party":{"type":"organisation","name":"Answered Ltd"}}`); err != nil || status != 201 {
		t.Errorf("second create: %d %v", status, err)
	}
}

func TestFaultKinds(t *testing.T) {
	for _, tc := range []struct {
		kind    capsuletest.FaultKind
		name    string
		status  int  // 0: a transport error
		applied bool // the create happened
	}{
		{capsuletest.FaultServerError, "server-error", 503, false},
		{capsuletest.FaultDropConnection, "drop-connection", 0, false},
		{capsuletest.FaultLostAnswer, "lost-answer", 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.kind.String() != tc.name {
				t.Errorf("String: %q", tc.kind.String())
			}
			if k, err := capsuletest.ParseFaultKind(tc.name); err != nil || k != tc.kind {
				t.Errorf("ParseFaultKind: %v %v", k, err)
			}
			srv := newServer(t)
			srv.SetFaultKinds(tc.kind)
			srv.SetFaultRate(1, 7)
			status, err := send(t, srv, "POST", "/parties", `{"party":{"type":"organisation","name":"Faulty Ltd"}}`)
			if (err != nil) != (tc.status == 0) || status != tc.status {
				t.Errorf("answer %d, error %v; want status %d", status, err, tc.status)
			}
			srv.SetFaultRate(0, 0)
			if n := partiesNamed(t, srv, "Faulty Ltd"); (n == 1) != tc.applied {
				t.Errorf("%d parties, applied want %v", n, tc.applied)
			}
		})
	}
	if _, err := capsuletest.ParseFaultKind("timeout"); err == nil || !strings.Contains(err.Error(), `"timeout"`) {
		t.Errorf("unknown kind: %v", err)
	}
}

// TestFaultKindsMixed draws from two kinds: both happen, and a seed repeats
// the run.
func TestFaultKindsMixed(t *testing.T) {
	run := func() (outcomes string) {
		srv := newServer(t)
		srv.SetFaultKinds(capsuletest.FaultServerError, capsuletest.FaultLostAnswer)
		srv.SetFaultRate(1, 3)
		for range 12 {
			status, err := send(t, srv, "GET", "/site", "")
			switch {
			case err != nil:
				outcomes += "L"
			case status == 503:
				outcomes += "5"
			default:
				t.Fatalf("status %d", status)
			}
		}
		return outcomes
	}
	a, b := run(), run()
	if a != b || !strings.Contains(a, "L") || !strings.Contains(a, "5") {
		t.Errorf("runs %q and %q: want the same mix of both kinds", a, b)
	}
}
