package capsuletest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/capsulecrm-go/capsule/capsuletest"
)

// rawResp is an undecoded response.
type rawResp struct {
	status int
	header http.Header
	body   []byte
}

// rawReq sends body as is with the given headers and the server's token.
func rawReq(t *testing.T, srv *capsuletest.Server, method, path string, body []byte, header map[string]string) rawResp {
	t.Helper()
	r, err := http.NewRequest(method, srv.BaseURL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Authorization", "Bearer "+srv.Token)
	for k, v := range header {
		r.Header.Set(k, v)
	}
	res, err := srv.Client().Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return rawResp{status: res.StatusCode, header: res.Header, body: b}
}

// upload posts data as a file and returns the token.
func upload(t *testing.T, srv *capsuletest.Server, name, contentType string, data []byte) string {
	t.Helper()
	r := rawReq(t, srv, "POST", "/attachments/upload", data, map[string]string{"X-Attachment-Filename": name, "Content-Type": contentType})
	if r.status != 200 {
		t.Fatalf("upload: %d %s", r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("upload Content-Type %q", ct)
	}
	var body struct {
		Upload map[string]any `json:"upload"`
	}
	if err := json.Unmarshal(r.body, &body); err != nil {
		t.Fatalf("upload body %s: %v", r.body, err)
	}
	tok, _ := body.Upload["token"].(string)
	if !strings.HasPrefix(tok, "u1/e0/") || len(body.Upload) != 1 {
		t.Fatalf("upload answer %s", r.body)
	}
	return tok
}

func TestAttachmentUpload(t *testing.T) {
	t.Parallel() // the 25 MB upload takes a while under -race
	srv := newServer(t)
	a := upload(t, srv, "report%20Q1.pdf", "application/pdf", []byte("%PDF-1.4 ..."))
	b := upload(t, srv, "report%20Q1.pdf", "application/pdf", []byte("%PDF-1.4 ..."))
	if a == b {
		t.Error("two uploads share a token")
	}
	// Bad uploads: no file name, no bytes.
	for _, tc := range []struct {
		header map[string]string
		body   []byte
	}{
		{map[string]string{"Content-Type": "text/plain"}, []byte("x")},
		{map[string]string{"X-Attachment-Filename": "  ", "Content-Type": "text/plain"}, []byte("x")},
		{map[string]string{"X-Attachment-Filename": "a.txt", "Content-Type": "text/plain"}, nil},
	} {
		r := rawReq(t, srv, "POST", "/attachments/upload", tc.body, tc.header)
		if r.status != 400 || !bytes.Contains(r.body, []byte(`"message"`)) {
			t.Errorf("%v: %d %s", tc.header, r.status, r.body)
		}
	}
	// The size cap is 25 MB, above the 1 MiB JSON cap.
	big := bytes.Repeat([]byte("x"), 1<<20+1) // over the JSON routes' cap
	upload(t, srv, "big.bin", "", big)
	r := rawReq(t, srv, "POST", "/attachments/upload", make([]byte, 25<<20+1), map[string]string{"X-Attachment-Filename": "huge.bin"})
	if r.status != 413 {
		t.Errorf("over 25 MB: %d", r.status)
	}
	r = rawReq(t, srv, "POST", "/categories", append([]byte(`{"category":{"name":"`), append(big, `"}}`...)...), nil)
	if r.status != 413 {
		t.Errorf("JSON route body cap: %d", r.status)
	}
	// An upload has no id until an entry claims it.
	get(t, srv, "/attachments/81001").want(t, 404)
	get(t, srv, "/attachments/x").want(t, 404)
	req(t, srv, "GET", "/attachments/upload", srv.Token, nil).want(t, 404) // it is an id there
	req(t, srv, "PUT", "/attachments/upload", srv.Token, nil).want(t, 405)
	req(t, srv, "DELETE", "/attachments/81001", srv.Token, nil).want(t, 405)
	srv.AddToken("ro", true)
	r2, _ := http.NewRequest("POST", srv.BaseURL+"/attachments/upload", strings.NewReader("x"))
	r2.Header.Set("Authorization", "Bearer ro")
	r2.Header.Set("X-Attachment-Filename", "a.txt")
	res, err := srv.Client().Do(r2)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 403 {
		t.Errorf("read-only upload: %d", res.StatusCode)
	}
}
