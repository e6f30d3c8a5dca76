package capsuletest_test

import "testing"

func TestSmoke(t *testing.T) {
	srv := newServer(t)
	for _, p := range []string{"/users", "/users/current", "/teams?embed=memberships", "/site", "/titles", "/countries", "/currencies", "/activitytypes", "/activitytypes/icons", "/categories", "/lostreasons", "/pipelines", "/milestones", "/pipelines/53002/milestones", "/boards", "/stages", "/boards/31001/stages", "/resthooks"} {
		r := get(t, srv, p)
		t.Logf("%s %d %s %v", p, r.status, r.raw[:min(len(r.raw), 300)], r.header.Get("Link"))
	}
}
