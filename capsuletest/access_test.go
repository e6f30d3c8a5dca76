package capsuletest_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"testing"

	"github.com/capsulecrm-go/capsule/capsuletest"
)

const (
	adminOnlyBody    = `{"message":"You must be an account administrator to perform this action"}`
	hooksNeedAppBody = `{"message":"REST hooks can only be managed by a registered OAuth application"}`
)

// wantBody checks a JSON body against want, ignoring key order.
func (r resp) wantBody(t *testing.T, want string) {
	t.Helper()
	var w map[string]any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(r.body, w) {
		t.Errorf("body %s, want %s", r.raw, want)
	}
}

func TestAdminOnlyOperations(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, method, path, body string
		adminStatus              int
	}{
		{"create pipeline", "POST", "/pipelines", `{"pipeline":{"name":"New"}}`, 201},
		{"update pipeline", "PUT", "/pipelines/53001", `{"pipeline":{"name":"Renamed"}}`, 200},
		{"archive pipeline", "DELETE", "/pipelines/53002", "", 204},
		{"restore pipeline", "POST", "/pipelines/53002/restore", "", 200},
		{"create board", "POST", "/boards", `{"board":{"name":"New"}}`, 201},
		{"update board", "PUT", "/boards/31001", `{"board":{"name":"Renamed"}}`, 200},
		{"archive board", "DELETE", "/boards/31002", "", 204},
		{"restore board", "POST", "/boards/31002/restore", "", 200},
		{"create stage", "POST", "/stages", `{"stage":{"name":"QA","board":31001}}`, 201},
		{"update stage", "PUT", "/stages/104601", `{"stage":{"name":"Brief"}}`, 200},
		{"delete stage", "DELETE", "/stages/104601", "", 204},
		{"create lost reason", "POST", "/lostreasons", `{"lostReason":{"name":"Budget"}}`, 201},
		{"update lost reason", "PUT", "/lostreasons/201", `{"lostReason":{"name":"Renamed"}}`, 200},
		{"delete lost reason", "DELETE", "/lostreasons/201", "", 204},
		{"create title", "POST", "/titles", `{"personTitle":{"title":"Madam"}}`, 201},
		{"delete title", "DELETE", "/titles/1", "", 204},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t)
			var body any
			if tc.body != "" {
				body = tc.body
			}
			before := get(t, srv, "/pipelines?includeDeleted=true").raw
			r := req(t, srv, tc.method, tc.path, srv.UserToken, body).want(t, 403)
			r.wantBody(t, adminOnlyBody)
			if after := get(t, srv, "/pipelines?includeDeleted=true").raw; string(after) != string(before) {
				t.Errorf("a refused write changed pipelines")
			}
			req(t, srv, tc.method, tc.path, srv.Token, body).want(t, tc.adminStatus)
		})
	}
}

func TestNormalUserReadsAndWritesRecords(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	me := req(t, srv, "GET", "/users/current", srv.UserToken, nil).want(t, 200).obj(t, "user")
	if id(t, me) != srv.NormalUserID() || srv.NormalUserID() == srv.CurrentUserID() {
		t.Errorf("UserToken belongs to user %d, NormalUserID %d, CurrentUserID %d", id(t, me), srv.NormalUserID(), srv.CurrentUserID())
	}
	if _, leaked := me["_admin"]; leaked {
		t.Errorf("private key rendered: %v", me)
	}
	req(t, srv, "GET", "/pipelines", srv.UserToken, nil).want(t, 200)
	req(t, srv, "POST", "/parties", srv.UserToken, `{"party":{"type":"organisation","name":"Acme"}}`).want(t, 201)
	req(t, srv, "POST", "/categories", srv.UserToken, `{"category":{"name":"Billing","colour":"#444444"}}`).want(t, 201)
}

func TestAddUserToken(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	srv.AddUserToken("normal-2", srv.NormalUserID())
	srv.AddUserToken("admin-2", srv.CurrentUserID())
	req(t, srv, "POST", "/boards", "normal-2", `{"board":{"name":"X"}}`).want(t, 403).wantBody(t, adminOnlyBody)
	req(t, srv, "POST", "/boards", "admin-2", `{"board":{"name":"X"}}`).want(t, 201)
	me := req(t, srv, "GET", "/users/current", "normal-2", nil).want(t, 200).obj(t, "user")
	if id(t, me) != srv.NormalUserID() {
		t.Errorf("current user %d", id(t, me))
	}
	defer func() {
		msg := fmt.Sprint(recover())
		if msg != "capsuletest: no user 1" {
			t.Errorf("panic %q", msg)
		}
	}()
	srv.AddUserToken("secret-token-value", 1)
}

func hookBody(target string) string {
	return fmt.Sprintf(`{"restHook":{"event":"party/created","targetUrl":%q}}`, target)
}

func TestRestHooksNeedAdminOAuthApp(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	// a personal token, even an administrator's
	req(t, srv, "POST", "/resthooks", srv.Token, hookBody("https://h.example/pat")).want(t, 403).wantBody(t, hooksNeedAppBody)
	// an OAuth application token of a normal user
	srv.AddAppToken("app-normal", capsuletest.DefaultClientID, srv.NormalUserID())
	req(t, srv, "POST", "/resthooks", "app-normal", hookBody("https://h.example/normal")).want(t, 403).wantBody(t, adminOnlyBody)
	// an administrator through the application
	h := req(t, srv, "POST", "/resthooks", srv.AppToken, hookBody("https://h.example/app")).want(t, 201).obj(t, "restHook")
	path := fmt.Sprintf("/resthooks/%d", id(t, h))
	req(t, srv, "DELETE", path, srv.Token, nil).want(t, 403).wantBody(t, hooksNeedAppBody)
	req(t, srv, "DELETE", path, "app-normal", nil).want(t, 403).wantBody(t, adminOnlyBody)
	req(t, srv, "DELETE", path, srv.AppToken, nil).want(t, 204)
}

func TestRestHooksScopedToApplication(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	srv.AddAppToken("other-app", "other-client", srv.CurrentUserID())
	mine := req(t, srv, "POST", "/resthooks", srv.AppToken, hookBody("https://h.example/mine")).want(t, 201).obj(t, "restHook")
	theirs := req(t, srv, "POST", "/resthooks", "other-app", hookBody("https://h.example/theirs")).want(t, 201).obj(t, "restHook")
	if mine["clientId"] == theirs["clientId"] {
		t.Errorf("two applications, one clientId %v", mine["clientId"])
	}
	listed := func(tok string) []int64 {
		return ids(t, req(t, srv, "GET", "/resthooks", tok, nil).want(t, 200).list(t, "restHooks"))
	}
	if got := listed(srv.AppToken); !reflect.DeepEqual(got, []int64{id(t, mine)}) {
		t.Errorf("app lists %v", got)
	}
	if got := listed("other-app"); !reflect.DeepEqual(got, []int64{id(t, theirs)}) {
		t.Errorf("other app lists %v", got)
	}
	if got := listed(srv.Token); !reflect.DeepEqual(got, []int64{id(t, mine), id(t, theirs)}) {
		t.Errorf("personal token lists %v", got)
	}
	theirsPath := fmt.Sprintf("/resthooks/%d", id(t, theirs))
	req(t, srv, "GET", theirsPath, srv.AppToken, nil).want(t, 404)
	req(t, srv, "DELETE", theirsPath, srv.AppToken, nil).want(t, 404)
	req(t, srv, "GET", theirsPath, "other-app", nil).want(t, 200)
	req(t, srv, "GET", theirsPath, srv.Token, nil).want(t, 200)
}

func TestOAuthTokensCarryTheirClient(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	code := authorise(t, srv, authQuery()).Get("code")
	tok := postToken(t, srv, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {"https://app.example/cb"}}, false)
	access, refresh := tok.body["access_token"].(string), tok.body["refresh_token"].(string)
	req(t, srv, "POST", "/resthooks", access, hookBody("https://h.example/oauth")).want(t, 201)
	// the refreshed token belongs to the same application
	again := postToken(t, srv, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}}, false)
	hooks := req(t, srv, "GET", "/resthooks", again.body["access_token"].(string), nil).want(t, 200).list(t, "restHooks")
	if len(hooks) != 1 {
		t.Errorf("refreshed token sees %d hooks", len(hooks))
	}
	if got := len(req(t, srv, "GET", "/resthooks", srv.AppToken, nil).list(t, "restHooks")); got != 1 {
		t.Errorf("AppToken (the same client) sees %d hooks", got)
	}
}

func TestShowMultipleOnlyWhereDocumented(t *testing.T) {
	t.Parallel()
	srv := newServer(t, capsuletest.WithSeed(20))
	two := func(path, key string) string {
		items := get(t, srv, path+"?perPage=2").list(t, key)
		if len(items) < 2 {
			t.Fatalf("%s: %d records seeded", path, len(items))
		}
		return fmt.Sprintf("%s/%d,%d", path, id(t, items[0]), id(t, items[1]))
	}
	for _, c := range []struct{ path, key string }{
		{"/parties", "parties"}, {"/opportunities", "opportunities"}, {"/kases", "kases"},
		{"/pipelines", "pipelines"}, {"/tasks", "tasks"},
	} {
		if n := len(get(t, srv, two(c.path, c.key)).want(t, 200).list(t, c.key)); n != 2 {
			t.Errorf("%s: %d records", c.path, n)
		}
	}
	for _, c := range []struct{ path, key string }{
		{"/users", "users"}, {"/teams", "teams"}, {"/categories", "categories"},
		{"/boards", "boards"}, {"/stages", "stages"}, {"/milestones", "milestones"},
		{"/lostreasons", "lostReasons"}, {"/activitytypes", "activityTypes"},
	} {
		p := two(c.path, c.key)
		if m := get(t, srv, p).want(t, 404).message(t); m != "Could not find resource" {
			t.Errorf("%s: %q", p, m)
		}
	}
	get(t, srv, "/resthooks/1,2").want(t, 404)
}
