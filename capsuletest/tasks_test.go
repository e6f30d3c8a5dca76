package capsuletest_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/capsulecrm-go/capsule/capsuletest"
)

// liveTaskKeys are the keys of live-payloads/write_task_new.json.
var liveTaskKeys = []string{"active", "category", "completedAt", "completedBy", "createdAt", "daysAfter", "description",
	"detail", "dueOn", "dueTime", "hasTrack", "id", "kase", "nextTask", "opportunity", "overrideToCurrentUser", "owner",
	"party", "repeat", "status", "taskDayDelayRule", "taskDelayRule", "updatedAt"}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestTaskCreateLiveShape(t *testing.T) {
	srv := newServer(t)
	now := time.Date(2025, 4, 24, 21, 0, 49, 0, time.UTC)
	srv.SetNow(now)
	r := req(t, srv, "POST", "/tasks", srv.Token, `{"task":{"description":"Brand new task from postman","dueOn":"2025-05-20"}}`).want(t, 201)
	task := r.obj(t, "task")
	if got := sortedKeys(task); !reflect.DeepEqual(got, liveTaskKeys) {
		t.Errorf("keys\n got %v\nwant %v", got, liveTaskKeys)
	}
	want := map[string]any{
		"category": nil, "description": "Brand new task from postman", "detail": nil, "dueTime": nil, "status": "OPEN",
		"party": nil, "opportunity": nil, "kase": nil, "daysAfter": nil, "taskDelayRule": nil, "nextTask": nil,
		"active": true, "createdAt": "2025-04-24T21:00:49Z", "updatedAt": "2025-04-24T21:00:49Z", "dueOn": "2025-05-20",
		"completedBy": nil, "completedAt": nil, "taskDayDelayRule": "TRACK_DAYS", "overrideToCurrentUser": nil,
		"repeat": nil, "hasTrack": false,
	}
	for k, v := range want {
		if !reflect.DeepEqual(task[k], v) {
			t.Errorf("%s = %#v, want %#v", k, task[k], v)
		}
	}
	owner, _ := task["owner"].(map[string]any)
	if id(t, owner) != srv.CurrentUserID() || owner["username"] == nil || owner["name"] == nil || owner["pictureURL"] == nil || owner["deleted"] != false {
		t.Errorf("owner %v", owner)
	}
	path := fmt.Sprintf("/tasks/%d", id(t, task))
	if loc := r.header.Get("Location"); loc != srv.BaseURL+path {
		t.Errorf("Location %q", loc)
	}
	if got := get(t, srv, path).want(t, 200).obj(t, "task"); !reflect.DeepEqual(got, task) {
		t.Errorf("show %v\n != created %v", got, task)
	}
}

func TestTaskValidation(t *testing.T) {
	srv := newServer(t)
	// The exact body of live-payloads/write_unprocessable-payload.json.
	r := req(t, srv, "POST", "/tasks", srv.Token, `{"task":{"description":"No due date"}}`).want(t, 422)
	var live, got any
	_ = json.Unmarshal([]byte(`{"message":"Validation Failed","errors":[{"message":"dueOn is required","resource":"task","field":"dueOn"}]}`), &live)
	_ = json.Unmarshal(r.raw, &got)
	if !reflect.DeepEqual(got, live) {
		t.Errorf("422 body %s", r.raw)
	}
	errFields := func(r resp) []string {
		var out []string
		for _, e := range r.list(t, "errors") {
			if e["resource"] != "task" || !strings.HasPrefix(e["message"].(string), e["field"].(string)+" ") {
				t.Errorf("error %v", e)
			}
			out = append(out, e["field"].(string))
		}
		return out
	}
	tests := []struct {
		body   string
		fields []string
	}{
		{`{"task":{}}`, []string{"description", "dueOn"}},
		{`{"task":{"dueOn":"2025-05-20"}}`, []string{"description"}},
		{`{"task":{"description":"","dueOn":"2025-05-20"}}`, []string{"description"}},
		{`{"task":{"description":"x","dueOn":"20/05/2025"}}`, []string{"dueOn"}},
		{`{"task":{"description":"x","dueOn":"2025-02-30"}}`, []string{"dueOn"}},
		{`{"task":{"description":7,"dueOn":"2025-05-20"}}`, []string{"description"}},
		{`{"task":{"description":"x","dueOn":"2025-05-20","dueTime":"25:00"}}`, []string{"dueTime"}},
		{`{"task":{"description":"x","dueOn":"2025-05-20","dueTime":930}}`, []string{"dueTime"}},
		{`{"task":{"description":"x","dueOn":"2025-05-20","status":"PENDING"}}`, []string{"status"}},
		{`{"task":{"description":"x","dueOn":"2025-05-20","status":"DONE"}}`, []string{"status"}},
		{`{"task":{"description":"x","dueOn":"2025-05-20","category":{"name":"Nope"}}}`, []string{"category"}},
		{`{"task":{"description":"x","dueOn":"2025-05-20","category":{"id":1}}}`, []string{"category"}},
		{`{"task":{"description":"x","dueOn":"2025-05-20","owner":{"id":1}}}`, []string{"owner"}},
		{`{"task":{"description":"x","dueOn":"2025-05-20","owner":null}}`, []string{"owner"}},
		{`{"task":{"description":"x","dueOn":"2025-05-20","owner":"me"}}`, []string{"owner"}},
		{`{"task":{"description":"x","dueOn":"2025-05-20","repeat":{"frequency":"HOURLY"}}}`, []string{"repeat"}},
		{`{"task":{"description":"x","dueOn":"2025-05-20","repeat":{"frequency":"WEEKLY","interval":0}}}`, []string{"repeat"}},
		{`{"task":{"description":"x","dueOn":"2025-05-20","repeat":"monthly"}}`, []string{"repeat"}},
		{`{"task":{"description":"x","dueOn":"2025-05-20","completedAt":"yesterday"}}`, []string{"completedAt"}},
		{`{"task":{"description":"x","dueOn":"2025-05-20","party":{"id":999999999}}}`, []string{"party"}},
	}
	for _, tc := range tests {
		r := req(t, srv, "POST", "/tasks", srv.Token, tc.body).want(t, 422)
		if got := errFields(r); !reflect.DeepEqual(got, tc.fields) {
			t.Errorf("%s: fields %v, want %v", tc.body, got, tc.fields)
		}
		if r.message(t) != "Validation Failed" {
			t.Errorf("message %q", r.message(t))
		}
	}
	for _, body := range []string{``, `{`, `[]`, `{"tasks":{}}`, `{"task":[]}`, `{"task":{}} {}`} {
		req(t, srv, "POST", "/tasks", srv.Token, body).want(t, 400)
	}
	if n := len(get(t, srv, "/tasks?status=open,completed,pending").list(t, "tasks")); n != 0 {
		t.Errorf("%d tasks stored by failed requests", n)
	}

	// A failed update leaves the task as it was.
	task := req(t, srv, "POST", "/tasks", srv.Token, `{"task":{"description":"x","dueOn":"2025-05-20"}}`).want(t, 201).obj(t, "task")
	path := fmt.Sprintf("/tasks/%d", id(t, task))
	for _, body := range []string{`{"task":{"dueOn":null}}`, `{"task":{"description":"y","dueOn":"bad"}}`, `{"task":{"description":null}}`,
		`{"task":{"status":"PENDING"}}`, `{"task":{"description":"y","category":"Nope"}}`} {
		req(t, srv, "PUT", path, srv.Token, body).want(t, 422)
	}
	if got := get(t, srv, path).obj(t, "task"); !reflect.DeepEqual(got, task) {
		t.Errorf("after failed updates %v", got)
	}
	req(t, srv, "PUT", path, srv.Token, `{"task":`).want(t, 400)
	req(t, srv, "PUT", "/tasks/999999999", srv.Token, `{"task":{"description":"y"}}`).want(t, 404)
	req(t, srv, "PUT", "/tasks/abc", srv.Token, `{"task":{"description":"y"}}`).want(t, 404)
}

func TestTaskListStatusFilter(t *testing.T) {
	srv := newServer(t, capsuletest.WithSeed(40))
	count := func(q string) map[string]int {
		out := map[string]int{}
		for _, task := range get(t, srv, "/tasks?perPage=100"+q).want(t, 200).list(t, "tasks") {
			out[task["status"].(string)]++
		}
		return out
	}
	def := count("")
	if def["OPEN"] == 0 || len(def) != 1 {
		t.Errorf("default list %v", def)
	}
	all := count("&status=open,completed,pending")
	if all["OPEN"] != def["OPEN"] || all["COMPLETED"] == 0 || all["PENDING"] == 0 || all["OPEN"]+all["COMPLETED"]+all["PENDING"] < 40 {
		t.Errorf("all %v", all)
	}
	if c := count("&status=completed"); len(c) != 1 || c["COMPLETED"] != all["COMPLETED"] {
		t.Errorf("completed %v", c)
	}
	if c := count("&status=PENDING,Open"); len(c) != 2 || c["PENDING"] != all["PENDING"] {
		t.Errorf("upper case %v", c)
	}
	for _, q := range []string{"status=done", "status=open,closed", "owner=x", "category=y", "dueFrom=tomorrow", "dueTo=2025-13-01", "since=yesterday"} {
		if r := get(t, srv, "/tasks?"+q).want(t, 400); r.message(t) == "" {
			t.Errorf("%s: no message", q)
		}
	}
	// Paging keeps the status filter in the Link header.
	r := get(t, srv, "/tasks?status=open,completed,pending&perPage=15&page=2").want(t, 200)
	links := parseLinks(t, r.header.Get("Link"))
	if len(r.list(t, "tasks")) != 15 || !strings.Contains(links["next"], "page=3") || !strings.Contains(links["next"], "status=open%2Ccompleted%2Cpending") || !strings.Contains(links["prev"], "page=1") {
		t.Errorf("Link %q", r.header.Get("Link"))
	}
	get(t, srv, "/tasks?perPage=101").want(t, 400)
	// Seed tasks carry every key of the live shape.
	for _, task := range get(t, srv, "/tasks?status=completed").list(t, "tasks") {
		if got := sortedKeys(task); !reflect.DeepEqual(got, liveTaskKeys) {
			t.Fatalf("seed task keys %v", got)
		}
		if task["completedAt"] == nil || task["completedBy"] == nil {
			t.Errorf("completed seed task %v", task)
		}
	}
}

func TestTaskListFilters(t *testing.T) {
	srv := newServer(t)
	mk := func(body string) int64 {
		return id(t, req(t, srv, "POST", "/tasks", srv.Token, body).want(t, 201).obj(t, "task"))
	}
	srv.SetNow(time.Date(2025, 1, 1, 10, 0, 0, 0, time.UTC))
	a := mk(`{"task":{"description":"a","dueOn":"2025-01-10","category":"Call"}}`)
	srv.Advance(time.Hour)
	b := mk(`{"task":{"description":"b","dueOn":"2025-02-10","owner":{"id":674198}}}`)
	ids := func(q string) []int64 {
		var out []int64
		for _, task := range get(t, srv, "/tasks?"+q).want(t, 200).list(t, "tasks") {
			out = append(out, id(t, task))
		}
		return out
	}
	for q, want := range map[string][]int64{
		"":                                      {a, b},
		"owner=674198":                          {b},
		"owner=674197":                          {a},
		"category=101":                          {a},
		"dueFrom=2025-02-01":                    {b},
		"dueTo=2025-01-10":                      {a},
		"dueFrom=2025-01-11&dueTo=2025-02-09":   nil,
		"since=2025-01-01T10:30:00Z":            {b},
		"since=2025-01-01T11:00:00Z":            nil,
		"since=2025-01-01T10:59:59%2B00:00":     {b},
		"owner=674197&dueFrom=2025-01-01&dueTo": {a},
	} {
		if got := ids(q); !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", q, got, want)
		}
	}
}

func TestTaskCompleteAndReopen(t *testing.T) {
	srv := newServer(t)
	t0 := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	srv.SetNow(t0)
	task := req(t, srv, "POST", "/tasks", srv.Token, `{"task":{"description":"Call back","detail":"re: invoice","dueOn":"2025-03-02","dueTime":"09:30"}}`).want(t, 201).obj(t, "task")
	if task["dueTime"] != "09:30:00" {
		t.Errorf("dueTime %v", task["dueTime"])
	}
	path := fmt.Sprintf("/tasks/%d", id(t, task))

	// status OPEN on an open task changes nothing, not even updatedAt.
	srv.Advance(time.Minute)
	u := req(t, srv, "PUT", path, srv.Token, `{"task":{"status":"OPEN"}}`).want(t, 200).obj(t, "task")
	if u["updatedAt"] != task["updatedAt"] {
		t.Errorf("no-op reopen bumped updatedAt: %v", u["updatedAt"])
	}
	// An empty update bumps it.
	u = req(t, srv, "PUT", path, srv.Token, `{"task":{}}`).want(t, 200).obj(t, "task")
	if u["updatedAt"] != "2025-03-01T12:01:00Z" {
		t.Errorf("empty update: updatedAt %v", u["updatedAt"])
	}

	srv.Advance(time.Hour)
	done := req(t, srv, "PUT", path, srv.Token, `{"task":{"status":"COMPLETED"}}`).want(t, 200).obj(t, "task")
	me := get(t, srv, "/users/current").obj(t, "user")
	if done["status"] != "COMPLETED" || done["completedBy"] != me["username"] || done["completedAt"] != "2025-03-01T13:01:00Z" ||
		done["updatedAt"] != "2025-03-01T13:01:00Z" || done["detail"] != "re: invoice" || done["dueTime"] != "09:30:00" {
		t.Errorf("completed %v", done)
	}
	for _, it := range get(t, srv, "/tasks").list(t, "tasks") {
		if id(t, it) == id(t, task) {
			t.Error("completed task in the default (open) list")
		}
	}
	if got := get(t, srv, "/tasks?status=completed").list(t, "tasks"); len(got) != 1 || id(t, got[0]) != id(t, task) {
		t.Errorf("completed list %v", got)
	}
	// Completed tasks stay editable; completing again keeps the first completion.
	srv.Advance(time.Hour)
	again := req(t, srv, "PUT", path, srv.Token, `{"task":{"status":"completed","description":"Called back"}}`).want(t, 200).obj(t, "task")
	if again["completedAt"] != "2025-03-01T13:01:00Z" || again["description"] != "Called back" {
		t.Errorf("second completion %v", again)
	}
	open := req(t, srv, "PUT", path, srv.Token, `{"task":{"status":"OPEN"}}`).want(t, 200).obj(t, "task")
	if open["status"] != "OPEN" || open["completedAt"] != nil || open["completedBy"] != nil {
		t.Errorf("reopened %v", open)
	}
	// A client may backdate the completion.
	back := req(t, srv, "PUT", path, srv.Token, `{"task":{"status":"COMPLETED","completedAt":"2025-02-28T08:00:00+01:00"}}`).want(t, 200).obj(t, "task")
	if back["completedAt"] != "2025-02-28T07:00:00Z" {
		t.Errorf("backdated %v", back["completedAt"])
	}
	// Create as completed.
	c := req(t, srv, "POST", "/tasks", srv.Token, `{"task":{"description":"Done already","dueOn":"2025-03-01","status":"COMPLETED"}}`).want(t, 201).obj(t, "task")
	if c["status"] != "COMPLETED" || c["completedAt"] == nil || c["completedBy"] != me["username"] {
		t.Errorf("created completed %v", c)
	}
}

func TestTaskCategoryOwnerRepeatEmbed(t *testing.T) {
	srv := newServer(t)
	task := req(t, srv, "POST", "/tasks", srv.Token, `{"task":{"description":"x","dueOn":"2025-05-20","category":{"name":"follow-up"},"owner":{"id":674198},
		"repeat":{"frequency":"monthly","interval":3,"on":1}}}`).want(t, 201).obj(t, "task")
	cat, _ := task["category"].(map[string]any)
	if cat["name"] != "Follow-up" || cat["colour"] == nil || cat["id"] == nil {
		t.Errorf("category %v", task["category"])
	}
	if o := task["owner"].(map[string]any); id(t, o) != 674198 || o["locale"] != nil {
		t.Errorf("owner stub %v", o)
	}
	if rp := task["repeat"]; !reflect.DeepEqual(rp, map[string]any{"frequency": "MONTHLY", "interval": float64(3), "on": "1"}) {
		t.Errorf("repeat %v", rp)
	}
	path := fmt.Sprintf("/tasks/%d", id(t, task))
	full := get(t, srv, path+"?embed=owner,party,nextTask").want(t, 200).obj(t, "task")
	if o := full["owner"].(map[string]any); o["locale"] == nil || o["username"] != "maia.hilton" {
		t.Errorf("embedded owner %v", o)
	}
	if full["party"] != nil || full["nextTask"] != nil {
		t.Errorf("embeds of absent references %v %v", full["party"], full["nextTask"])
	}
	for body, want := range map[string]any{
		`{"task":{"category":101}}`:        "Call",
		`{"task":{"category":{"id":102}}}`: "Email",
		`{"task":{"category":"MEETING"}}`:  "Meeting",
	} {
		u := req(t, srv, "PUT", path, srv.Token, body).want(t, 200).obj(t, "task")
		if c, _ := u["category"].(map[string]any); c["name"] != want {
			t.Errorf("%s: category %v", body, u["category"])
		}
	}
	u := req(t, srv, "PUT", path, srv.Token, `{"task":{"category":null,"repeat":null,"dueTime":"17:45:10"}}`).want(t, 200).obj(t, "task")
	if u["category"] != nil || u["repeat"] != nil || u["dueTime"] != "17:45:10" {
		t.Errorf("cleared %v", u)
	}
	// Zestia's repeatDetails spelling is accepted and shown as repeat.
	u = req(t, srv, "PUT", path, srv.Token, `{"task":{"repeatDetails":{"frequency":"WEEKLY","interval":2,"repeatOn":"MONDAY"}}}`).want(t, 200).obj(t, "task")
	if rp := u["repeat"]; !reflect.DeepEqual(rp, map[string]any{"frequency": "WEEKLY", "interval": float64(2), "on": "MONDAY"}) {
		t.Errorf("repeatDetails %v", rp)
	}
	// Deleting a category clears it on its tasks.
	req(t, srv, "PUT", path, srv.Token, `{"task":{"category":"Send"}}`).want(t, 200)
	req(t, srv, "DELETE", "/categories/106", srv.Token, nil).want(t, 204)
	if c := get(t, srv, path).obj(t, "task")["category"]; c != nil {
		t.Errorf("category after delete %v", c)
	}
	// Renaming a category shows on the task at once.
	req(t, srv, "PUT", path, srv.Token, `{"task":{"category":101}}`).want(t, 200)
	req(t, srv, "PUT", "/categories/101", srv.Token, `{"category":{"name":"Phone call"}}`).want(t, 200)
	if c := get(t, srv, path).obj(t, "task")["category"].(map[string]any); c["name"] != "Phone call" {
		t.Errorf("renamed category %v", c)
	}
}

func TestTaskShowMultipleAndDelete(t *testing.T) {
	srv := newServer(t)
	var ids []string
	for i := range 3 {
		task := req(t, srv, "POST", "/tasks", srv.Token, fmt.Sprintf(`{"task":{"description":"t%d","dueOn":"2025-05-20"}}`, i)).want(t, 201).obj(t, "task")
		ids = append(ids, fmt.Sprint(id(t, task)))
	}
	list := get(t, srv, "/tasks/"+ids[2]+","+ids[0]).want(t, 200).list(t, "tasks")
	if len(list) != 2 || list[0]["description"] != "t2" || list[1]["description"] != "t0" {
		t.Errorf("show multiple %v", list)
	}
	get(t, srv, "/tasks/"+ids[0]+",999999999").want(t, 404)
	get(t, srv, "/tasks/1,2,3,4,5,6,7,8,9,10,11").want(t, 400)
	get(t, srv, "/tasks/999999999").want(t, 404)
	get(t, srv, "/tasks/x").want(t, 404)
	r := req(t, srv, "DELETE", "/tasks/"+ids[1], srv.Token, nil).want(t, 204)
	if len(r.raw) != 0 {
		t.Errorf("204 body %q", r.raw)
	}
	get(t, srv, "/tasks/"+ids[1]).want(t, 404)
	req(t, srv, "DELETE", "/tasks/"+ids[1], srv.Token, nil).want(t, 404)
	req(t, srv, "PATCH", "/tasks/"+ids[0], srv.Token, `{"task":{}}`).want(t, 405)
	req(t, srv, "DELETE", "/tasks", srv.Token, nil).want(t, 405)
	if n := len(get(t, srv, "/tasks").list(t, "tasks")); n != 2 {
		t.Errorf("%d tasks after delete", n)
	}
}
