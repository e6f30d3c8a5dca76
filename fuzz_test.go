package capsule

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// The fuzz targets run in .ci/run for a few seconds each. A crash they find
// becomes a seed here or a file under testdata/fuzz/FuzzName, which plain
// go test runs from then on.

// FuzzEnvelope reads a page whose body is the input from a test server and
// checks the SDK against a hand-written envelope struct: both succeed or
// fail together (the SDK also fails on a null or missing key), with the same
// records.
func FuzzEnvelope(f *testing.F) {
	for _, s := range []string{
		`{"parties":[{"id":1,"name":"A","tags":[{"id":2,"name":"t"}],"fields":[{"id":3,"definition":{"id":4,"name":"F"},"value":"x"}]}]}`,
		`{"parties":null}`, `{"party":{"id":1}}`, `{"meta":{"x":[1,{"y":null}]},"parties":[]}`, `[]`, `null`, `{}`,
		`{"parties":[null]}`, `{"Parties":[{"id":2}]}`, `{"parties":[{"id":"x"}]}`, `{"parties":[]} trailing`, ` {"parties":[{}]} `,
		"{\"parties\":[{\"name\":\"\xff\"}]}", `{"parties":[{"id":1e400}]}`,
	} {
		f.Add([]byte(s))
	}
	var mu sync.Mutex
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		b := body
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(b)
	}))
	defer srv.Close()
	c, err := NewClient(WithToken("fuzz-token"), WithBaseURL(srv.URL+"/api/v2"), WithRetryPolicy(nil), WithMaxResponseSize(1<<20))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		mu.Lock()
		body = in
		mu.Unlock()
		items, _, err := c.Parties.Read(t.Context(), nil)
		var want struct {
			Parties *[]*Party `json:"parties"`
		}
		wantErr := json.Unmarshal(in, &want)
		switch {
		case err != nil:
			if err.Error() == "" || errors.Is(err, ErrInvalidArgument) {
				t.Fatalf("bad error %#v", err)
			}
			if items != nil {
				t.Fatalf("records with an error: %v", items)
			}
			if wantErr == nil && want.Parties != nil && !slices.Contains(*want.Parties, nil) {
				t.Fatalf("the SDK refused what decodes by hand: %v", err)
			}
		case wantErr != nil:
			t.Fatalf("the SDK took a body json.Unmarshal refuses (%v)", wantErr)
		case want.Parties == nil:
			t.Fatal("the SDK took a null or missing envelope")
		case slices.Contains(*want.Parties, nil):
			t.Fatal("the SDK took a null record")
		case len(items) != len(*want.Parties):
			t.Fatalf("%d records, by hand %d", len(items), len(*want.Parties))
		}
		for i := range items {
			if (items[i] == nil) != ((*want.Parties)[i] == nil) || (items[i] != nil && items[i].ID != (*want.Parties)[i].ID) {
				t.Fatalf("record %d differs", i)
			}
		}
	})
}

// FuzzAPIError builds the error of a response whose body is the input and
// which echoes the token: the token never shows, the message is short, and
// a valid UTF-8 body gives a valid UTF-8 message.
func FuzzAPIError(f *testing.F) {
	const token = "tok3n-Fuzz-8f2a"
	for _, s := range []string{
		`{"message":"bad"}`, `{"message":"token ` + token + `"}`, `{"error":"rate"}`,
		`{"errors":[{"message":"m","field":"f","resource":"r"}]}`, `{"message":"\u0074ok3n-Fuzz-8f2a"}`,
		"plain " + token, strings.Repeat("é", 150), "", "null", `{"errors":[null,{"field":"` + token + `"}]}`,
		"\xff\xfe" + token,
	} {
		f.Add([]byte(s), 422)
	}
	f.Fuzz(func(t *testing.T, body []byte, status int) {
		if status < 400 || status > 599 {
			status = 400 + (status%200+200)%200
		}
		resp := &http.Response{StatusCode: status, Header: http.Header{"X-Echo": {token}}}
		e := newAPIError(http.MethodGet, "https://api.example/api/v2/parties", resp, body, token)
		msg := e.Error()
		for _, s := range []string{msg, e.Message, string(e.Body), e.Header.Get("X-Echo")} {
			if strings.Contains(s, token) {
				t.Fatalf("token in %q", s)
			}
		}
		for _, fe := range e.Errors {
			if strings.Contains(fe.Message+fe.Field+fe.Resource, token) {
				t.Fatalf("token in %+v", fe)
			}
		}
		// Only a status without a text (say 559) may leave the message empty.
		if (e.Message == "" && http.StatusText(status) != "") || !strings.Contains(msg, "https://api.example/api/v2/parties") {
			t.Fatalf("message %q", msg)
		}
		var parsed any
		if json.Unmarshal(e.Body, &parsed) != nil && len(e.Message) > maxMessage+len("…") && e.Message != http.StatusText(status) {
			t.Fatalf("plain message of %d bytes", len(e.Message))
		}
		if utf8.Valid(body) && !utf8.ValidString(e.Message) {
			t.Fatalf("message %q is not UTF-8", e.Message)
		}
		// Redaction keeps the status, and with it the sentinel.
		if want := map[int]error{404: ErrNotFound, 400: ErrValidation, 422: ErrValidation}[status]; want != nil && !errors.Is(e, want) {
			t.Fatalf("status %d does not match %v", status, want)
		}
	})
}

// FuzzRateHeaders parses the rate-limit headers and asks the retry policy
// and the pacer about them: no panic, no overflow into the past, and waits
// bounded by their limits.
func FuzzRateHeaders(f *testing.F) {
	f.Add("4000", "0", "1767225600")
	f.Add("4000", "3999", "9223372036854775807")
	f.Add("1", "-5", "-9223372036854775808")
	f.Add("x", "1", "1")
	f.Add("0", "0", "0")
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, limit, remaining, reset string) {
		h := http.Header{}
		h.Set("X-RateLimit-Limit", limit)
		h.Set("X-RateLimit-Remaining", remaining)
		h.Set("X-RateLimit-Reset", reset)
		r, ok := parseRate(h)
		if !ok {
			if r != (Rate{}) {
				t.Fatalf("rate %+v without ok", r)
			}
			return
		}
		if !r.Reset.IsZero() && (r.Reset.Year() < 1970 || r.Reset.Year() > 9999) {
			t.Fatalf("reset %v", r.Reset)
		}
		p := &DefaultRetryPolicy{}
		wait, retry := p.Retry(Attempt{Number: 1, StatusCode: http.StatusTooManyRequests, Rate: r, Now: now, Sent: true})
		if wait < 0 || (retry && wait > time.Minute+time.Second) {
			t.Fatalf("wait %v retry %v for %+v", wait, retry, r)
		}
		if retry && !r.Reset.IsZero() && r.Reset.Sub(now) > time.Minute {
			t.Fatalf("waits for a reset %v away", r.Reset.Sub(now))
		}
		c := &Client{pacing: true, now: func() time.Time { return now }}
		c.setRate(r)
		if d := c.reserveSlot(); d < 0 || d > maxPacingWait {
			t.Fatalf("pacing wait %v", d)
		}
		_ = (&RateLimitError{Rate: r}).Error()
	})
}

// FuzzDateTimeOptional decodes the input as a Date, a TimeOfDay and
// Optionals of them and of strings and numbers. What decodes must encode and
// decode again to the same value; what fails must fail with an error.
func FuzzDateTimeOptional(f *testing.F) {
	for _, s := range []string{`"2026-02-28"`, `"2026-02-30"`, `"0000-01-01"`, `"9999-12-31"`, `null`, `"12:30"`, `"23:59:59"`,
		`"24:00:00"`, `12`, `"x"`, `""`, `1.5`, `"\u0032026-01-01"`, `[]`, `{}`, `true`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		roundTrip(t, in, new(Date))
		roundTrip(t, in, new(TimeOfDay))
		roundTrip(t, in, new(Optional[string]))
		roundTrip(t, in, new(Optional[int64]))
		roundTrip(t, in, new(Optional[float64]))
		roundTrip(t, in, new(Optional[Date]))
		roundTrip(t, in, new(Optional[TimeOfDay]))
		var o Optional[Date]
		if json.Unmarshal(in, &o) == nil {
			// A decoded optional is exactly one of set or null.
			if _, set := o.Get(); set == o.IsNull() {
				t.Fatalf("decoded optional: set %v, null %v: %v", set, o.IsNull(), o)
			}
			_ = o.String()
		}
	})
}

// roundTrip checks that a value v decodes from in, if at all, to something
// that encodes and decodes back to itself.
func roundTrip[T comparable](t *testing.T, in []byte, v *T) {
	t.Helper()
	if err := json.Unmarshal(in, v); err != nil {
		if err.Error() == "" {
			t.Fatal("empty error")
		}
		return
	}
	var zero T
	if *v == zero {
		// JSON null leaves a Date or TimeOfDay as it was: nothing to encode.
		return
	}
	out, err := json.Marshal(*v)
	if err != nil {
		t.Fatalf("%T %v from %q does not encode: %v", *v, *v, in, err)
	}
	again := new(T)
	if err := json.Unmarshal(out, again); err != nil || *again != *v {
		t.Fatalf("%T: %q -> %v -> %s -> %v (%v)", *v, in, *v, out, *again, err)
	}
}

// FuzzFieldValue decodes a custom field value and sets one through a
// definition of each type: the typed getters never panic, a number is
// finite, and what a definition accepts encodes and validates.
func FuzzFieldValue(f *testing.F) {
	for _, s := range []string{`"EMEA"`, `"12.5"`, `true`, `"2026-01-31"`, `null`, `12`, `"1e400"`, `[]`, `{"a":1}`} {
		f.Add([]byte(s), "Red")
	}
	types := []FieldType{FieldTypeText, FieldTypeLink, FieldTypeNumber, FieldTypeBoolean, FieldTypeDate, FieldTypeList, "other"}
	f.Fuzz(func(t *testing.T, value []byte, option string) {
		var fv FieldValue
		rec := []byte(`{"id":1,"definition":{"id":2,"name":"F"},"value":` + string(value) + `}`)
		if json.Unmarshal(rec, &fv) != nil {
			return
		}
		_, _, _ = fv.Text()
		_, _, _ = fv.Bool()
		_, _, _ = fv.Date()
		if n, ok, err := fv.Number(); ok && err == nil && (math.IsNaN(n) || math.IsInf(n, 0)) {
			t.Fatalf("number %v from %s", n, value)
		}
		fields := Fields{fv}
		_, _, _ = fields.Get("F")
		_, _, _ = fields.Number("f")
		for _, typ := range types {
			def := &FieldDefinition{ID: 2, Name: "F", Type: typ, Options: []string{option}}
			change, err := def.Value(fv.Value)
			if err != nil {
				if !errors.Is(err, ErrInvalidArgument) {
					t.Fatalf("%s: error %v is not ErrInvalidArgument", typ, err)
				}
				continue
			}
			if err := change.Validate(); err != nil {
				t.Fatalf("%s: accepted %v but its change is invalid: %v", typ, fv.Value, err)
			}
			if b, err := json.Marshal(change); err != nil || !json.Valid(b) {
				t.Fatalf("%s: change of %v does not encode: %v", typ, fv.Value, err)
			}
		}
	})
}

// FuzzFilterValidate builds a one-condition filter from the input: a filter
// that validates encodes to a JSON object with its conditions; one that does
// not fails with ErrInvalidArgument.
func FuzzFilterValidate(f *testing.F) {
	f.Add("name", "is", uint8(0), "Acme", int64(0), 0.0)
	f.Add("addedOn", "is within last", uint8(1), "", int64(7), 0.0)
	f.Add("custom:12", "is greater than", uint8(2), "", int64(0), math.Inf(1))
	f.Add("org.custom:3", "contains", uint8(0), "\x00", int64(0), 0.0)
	f.Add("tag", "is", uint8(3), "", int64(0), 0.0)
	f.Add("", "", uint8(4), "", int64(-1), math.NaN())
	entities := []Entity{EntityParties, EntityOpportunities, EntityKases, "tasks"}
	f.Fuzz(func(t *testing.T, field, op string, kind uint8, s string, i int64, fl float64) {
		var v any
		switch kind % 6 {
		case 0:
			v = s
		case 1:
			v = i
		case 2:
			v = fl
		case 3:
			v = i%2 == 0
		case 4:
			v = nil
		case 5:
			v = NewDate(int(i%10000), time.Month(i%13), int(i%32))
		}
		flt := Where(field, op, v).Sort(s, op)
		for _, e := range entities {
			err := flt.Validate(e)
			if err != nil {
				if !errors.Is(err, ErrInvalidArgument) {
					t.Fatalf("error %v is not ErrInvalidArgument", err)
				}
				continue
			}
			b, err := json.Marshal(flt)
			if err != nil {
				t.Fatalf("valid filter does not encode: %v", err)
			}
			var back struct {
				Conditions []json.RawMessage `json:"conditions"`
			}
			if json.Unmarshal(b, &back) != nil || len(back.Conditions) != 1 {
				t.Fatalf("valid filter encodes as %s", b)
			}
		}
	})
}

// FuzzWebhookPayload decodes a delivery body directly and through the
// handler: a delivery that parses has an event and one typed record per
// payload item for a known entity, and the handler answers 204 or 400,
// never a 500 or a panic.
func FuzzWebhookPayload(f *testing.F) {
	for _, s := range []string{
		`{"event":"party/created","payload":[{"id":1,"type":"person","firstName":"A"}]}`,
		`{"event":"opportunity/closed","payload":[{"id":2},{"id":3}]}`,
		`{"event":"kase/updated","payload":[]}`, `{"event":"task/completed","payload":[{"id":"x"}]}`,
		`{"event":"user/created","payload":null}`, `{"event":"","payload":[]}`, `{"event":"new/thing","payload":[{}]}`,
		`{"payload":[{"id":1}]}`, `[]`, ``, `{"event":"party/deleted","payload":[1]}`,
	} {
		f.Add([]byte(s))
	}
	h := NewWebhookHandler().OnOther(func(context.Context, *WebhookEvent) error { return nil })
	f.Fuzz(func(t *testing.T, body []byte) {
		e, err := ParseWebhookEvent(body)
		if err == nil {
			if e.Event == "" {
				t.Fatal("event without a name")
			}
			n := len(e.Payload)
			typed := map[string]int{"party": len(e.Parties), "opportunity": len(e.Opportunities), "kase": len(e.Kases), "task": len(e.Tasks), "user": len(e.Users)}
			if got, known := typed[e.Event.Entity()]; known && got != n {
				t.Fatalf("%d typed records for %d payload items", got, n)
			}
			out, err := json.Marshal(map[string]any{"event": e.Event, "payload": e.Payload})
			if err != nil {
				t.Fatal(err)
			}
			again, err := ParseWebhookEvent(out)
			if err != nil || again.Event != e.Event || len(again.Payload) != n {
				t.Fatalf("re-encoded delivery %s: %v", out, err)
			}
		} else if err.Error() == "" {
			t.Fatal("empty error")
		}
		w := deliver(t, h, http.MethodPost, body)
		if want := map[bool]int{true: http.StatusNoContent, false: http.StatusBadRequest}[err == nil]; w.Code != want {
			t.Fatalf("status %d, want %d", w.Code, want)
		}
	})
}
