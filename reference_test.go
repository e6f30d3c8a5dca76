package capsule

import (
	"context"
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// serveFixture answers with status and the named fixture.
func serveFixture(t *testing.T, w http.ResponseWriter, status int, name string) {
	t.Helper()
	writeJSON(t, w, status, string(fixture(t, name)))
}

// utc builds a UTC time to the second.
func utc(y int, m time.Month, d, hh, mm, ss int) time.Time {
	return time.Date(y, m, d, hh, mm, ss, 0, time.UTC)
}

// refCase is one call of a method for the table tests of arguments and
// error mapping.
type refCase struct {
	name string
	call func(ctx context.Context, c *Client) error
}

// assertNoRequestOnBadArgs runs every case against a server that fails the
// test on any request, and expects ErrInvalidArgument.
func assertNoRequestOnBadArgs(t *testing.T, cases []refCase) {
	t.Helper()
	c, mux := setup(t)
	hits := refuseRequests(t, mux)
	for _, tc := range cases {
		err := tc.call(t.Context(), c)
		assert.ErrorIs(t, err, ErrInvalidArgument, tc.name)
		var argErr *ArgError
		assert.ErrorAs(t, err, &argErr, tc.name)
	}
	assert.Zero(t, hits.Load())
}

// assertErrorMapping runs every case against a server answering 404 to
// reads and deletes and 422 with field errors to writes.
func assertErrorMapping(t *testing.T, cases []refCase) {
	t.Helper()
	c, mux := setup(t)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodPost, http.MethodPut:
			writeJSON(t, w, http.StatusUnprocessableEntity,
				`{"message":"Validation Failed","errors":[{"message":"name is required","resource":"thing","field":"name"}]}`)
		default:
			writeJSON(t, w, http.StatusNotFound, `{"message":"Could not find resource"}`)
		}
	})
	for _, tc := range cases {
		err := tc.call(t.Context(), c)
		require.Error(t, err, tc.name)
		var apiErr *APIError
		require.ErrorAs(t, err, &apiErr, tc.name)
		switch apiErr.Method {
		case http.MethodPost, http.MethodPut:
			assert.ErrorIs(t, err, ErrValidation, tc.name)
			assert.Equal(t, http.StatusUnprocessableEntity, apiErr.StatusCode, tc.name)
			assert.Equal(t, []FieldError{{Message: "name is required", Resource: "thing", Field: "name"}}, apiErr.Errors, tc.name)
		default:
			assert.ErrorIs(t, err, ErrNotFound, tc.name)
			assert.Equal(t, "Could not find resource", apiErr.Message, tc.name)
		}
	}
}

// ignore2 adapts a (T, *Response, error) call to an error.
func ignore2[T any](_ T, _ *Response, err error) error { return err }

// ignore1 adapts a (*Response, error) call to an error.
func ignore1(_ *Response, err error) error { return err }

// --- Users ---

func assertUser61(t *testing.T, u *User, full bool) {
	t.Helper()
	require.NotNil(t, u)
	assert.Equal(t, int64(61), u.ID)
	assert.Equal(t, "scottspacey", u.Username)
	assert.Equal(t, "Scott Spacey", u.Name)
	assert.Equal(t, LocaleEnglishGB, u.Locale)
	assert.Equal(t, "GBP", u.Currency)
	assert.Equal(t, "Europe/London", u.Timezone)
	assert.Equal(t, "GMAIL", u.EmailPreference)
	assert.Equal(t, ClickToCallSIP, u.ClickToCallPreference)
	assert.Equal(t, "scott@example.com", u.PreferredEmailFromAddress)
	require.NotNil(t, u.Party)
	assert.Equal(t, int64(892), u.Party.ID)
	assert.Equal(t, "person", u.Party.Type)
	assert.Equal(t, "Scott Spacey", u.Party.DisplayName())
	assert.True(t, u.TaskReminder)
	assert.Equal(t, "ACTIVE", u.Status)
	require.NotNil(t, u.LastLoginAt)
	assert.Equal(t, utc(2021, 3, 4, 10, 11, 12), *u.LastLoginAt)
	if full {
		assert.Equal(t, "https://capsulecrm.com/theme/default/images/person_avatar_70.png", u.Party.PictureURL)
		assert.Equal(t, &UserRoles{IsAccountOwner: true, IsAccountAdmin: true}, u.Roles)
	} else {
		assert.Nil(t, u.Roles)
	}
}

func TestUsersService_Read(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /users", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{"embed": {"party"}})
		serveFixture(t, w, http.StatusOK, "users/list.json")
	})
	users, resp, err := c.Users.Read(t.Context(), &ReadOptions{Embed: []string{"party"}})
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	require.Len(t, users, 2)
	assertUser61(t, users[0], false)
	u := users[1]
	assert.Equal(t, int64(62), u.ID)
	assert.Equal(t, "ann", u.Username)
	assert.Equal(t, "Ann Other", u.Name)
	assert.Equal(t, LocaleEnglishUS, u.Locale)
	assert.Equal(t, "USD", u.Currency)
	assert.Equal(t, "America/New_York", u.Timezone)
	assert.Equal(t, "GMAIL", u.EmailPreference)
	assert.Equal(t, ClickToCallTel, u.ClickToCallPreference)
	assert.Empty(t, u.PreferredEmailFromAddress)
	assert.Nil(t, u.Party)
	assert.False(t, u.TaskReminder)
	assert.Equal(t, "ACTIVE", u.Status)
	assert.Nil(t, u.LastLoginAt)
	assert.Nil(t, u.Roles)
}

func TestUsersService_ReadNoOptions(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /users", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{})
		serveFixture(t, w, http.StatusOK, "users/list.json")
	})
	users, _, err := c.Users.Read(t.Context(), nil)
	require.NoError(t, err)
	assert.Len(t, users, 2)
}

// An unpaged list that Capsule pages anyway is read to the end.
func TestUsersService_ReadFollowsLinkNext(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	var calls atomic.Int32
	mux.HandleFunc("GET /users", func(w http.ResponseWriter, r *http.Request) {
		switch calls.Add(1) {
		case 1:
			testQuery(t, r, url.Values{})
			w.Header().Set("Link", `<https://api.capsulecrm.com/api/v2/users?page=2>; rel="next"`)
			writeJSON(t, w, http.StatusOK, `{"users":[{"id":1}]}`)
		default:
			testQuery(t, r, url.Values{"page": {"2"}})
			writeJSON(t, w, http.StatusOK, `{"users":[{"id":2}]}`)
		}
	})
	users, _, err := c.Users.Read(t.Context(), nil)
	require.NoError(t, err)
	require.Len(t, users, 2)
	assert.Equal(t, int64(1), users[0].ID)
	assert.Equal(t, int64(2), users[1].ID)
	assert.Equal(t, int32(2), calls.Load())
}

func TestUsersService_ReadSingle(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /users/{id}", func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "61", r.PathValue("id"))
		testQuery(t, r, url.Values{"embed": {"party"}})
		serveFixture(t, w, http.StatusOK, "users/show.json")
	})
	u, _, err := c.Users.ReadSingle(t.Context(), 61, &ReadOptions{Embed: []string{"party"}})
	require.NoError(t, err)
	assertUser61(t, u, true)
}

func TestUsersService_ReadCurrent(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /users/current", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{})
		testHeader(t, r, "Authorization", "Bearer "+testToken)
		serveFixture(t, w, http.StatusOK, "users/show.json")
	})
	u, _, err := c.Users.ReadCurrent(t.Context(), nil)
	require.NoError(t, err)
	assertUser61(t, u, true)
}

func TestUsersService_ReadCurrentEmbed(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /users/current", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{"embed": {"party"}})
		serveFixture(t, w, http.StatusOK, "users/show.json")
	})
	u, _, err := c.Users.ReadCurrent(t.Context(), &ReadOptions{Embed: []string{"party"}})
	require.NoError(t, err)
	assertUser61(t, u, true)
}

func TestUsersService_Update(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("PUT /users/61", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{})
		testJSONBody(t, r, `{"user":{"timezone":"Europe/London","taskReminder":true,"preferredEmailFromAddress":null}}`)
		serveFixture(t, w, http.StatusOK, "users/show.json")
	})
	u, _, err := c.Users.Update(t.Context(), 61, &UserInput{
		Timezone: Set("Europe/London"), TaskReminder: Set(true), PreferredEmailFromAddress: Null[string](),
	})
	require.NoError(t, err)
	assertUser61(t, u, true)
}

// --- Teams ---

func TestTeamsService_Read(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /teams", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{"embed": {"memberships"}})
		serveFixture(t, w, http.StatusOK, "teams/list.json")
	})
	teams, _, err := c.Teams.Read(t.Context(), &ReadOptions{Embed: []string{"memberships"}})
	require.NoError(t, err)
	require.Len(t, teams, 2)
	assert.Equal(t, &Team{
		ID: 3, Name: "Sales", CreatedAt: utc(2020, 1, 2, 3, 4, 5), UpdatedAt: utc(2020, 2, 3, 4, 5, 6),
		Memberships: []TeamMembership{
			{User: UserRef{ID: 61, Username: "scottspacey", Name: "Scott Spacey"}},
			{User: UserRef{ID: 62, Username: "ann", Name: "Ann Other", PictureURL: "https://example.com/a.png", Deleted: true}},
		},
	}, teams[0])
	assert.Equal(t, &Team{ID: 4, Name: "Support", CreatedAt: utc(2020, 1, 2, 3, 4, 5), UpdatedAt: utc(2020, 1, 2, 3, 4, 5)}, teams[1])
}

func TestTeamsService_ReadSingle(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /teams/3", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{})
		serveFixture(t, w, http.StatusOK, "teams/show.json")
	})
	team, _, err := c.Teams.ReadSingle(t.Context(), 3, nil)
	require.NoError(t, err)
	assert.Equal(t, &Team{ID: 3, Name: "Sales", CreatedAt: utc(2020, 1, 2, 3, 4, 5), UpdatedAt: utc(2020, 2, 3, 4, 5, 6)}, team)
}

// --- Site ---

func TestSiteService_Read(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /site", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{})
		serveFixture(t, w, http.StatusOK, "site/show.json")
	})
	site, _, err := c.Site.Read(t.Context())
	require.NoError(t, err)
	assert.Equal(t, &Site{URL: "https://exampleco.capsulecrm.com", Subdomain: "exampleco", Name: "Example Co."}, site)
}

// --- Titles ---

func TestTitlesService_Read(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /titles", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{})
		serveFixture(t, w, http.StatusOK, "titles/list.json")
	})
	titles, _, err := c.Titles.Read(t.Context())
	require.NoError(t, err)
	assert.Equal(t, []*PersonTitle{{ID: 8, Title: "Sir"}, {ID: 9, Title: "Madam"}}, titles)
}

func TestTitlesService_Create(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("POST /titles", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{})
		testJSONBody(t, r, `{"personTitle":{"title":"Dame"}}`)
		w.Header().Set("Location", "https://api.capsulecrm.com/api/v2/titles/10")
		serveFixture(t, w, http.StatusCreated, "titles/create.json")
	})
	title, resp, err := c.Titles.Create(t.Context(), &PersonTitleInput{Title: Set("Dame")})
	require.NoError(t, err)
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
	assert.Equal(t, "https://api.capsulecrm.com/api/v2/titles/10", resp.Location)
	assert.Equal(t, &PersonTitle{ID: 10, Title: "Dame"}, title)
}

// --- Countries and currencies ---

func TestCountriesService_Read(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /countries", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{})
		serveFixture(t, w, http.StatusOK, "countries/list.json")
	})
	countries, _, err := c.Countries.Read(t.Context())
	require.NoError(t, err)
	assert.Equal(t, []*Country{
		{Alpha2Code: "AF", Alpha3Code: "AFG", NumericCode: 4, Name: "Afghanistan"},
		{Alpha2Code: "GB", Alpha3Code: "GBR", NumericCode: 826, Name: "United Kingdom"},
	}, countries)
}

func TestCurrenciesService_Read(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /currencies", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{})
		serveFixture(t, w, http.StatusOK, "currencies/list.json")
	})
	// A currencies reader must never go to /countries.
	mux.HandleFunc("GET /countries", func(w http.ResponseWriter, r *http.Request) {
		t.Error("currencies read from /countries")
		serveFixture(t, w, http.StatusOK, "countries/list.json")
	})
	currencies, _, err := c.Currencies.Read(t.Context())
	require.NoError(t, err)
	assert.Equal(t, []*Currency{
		{Code: "AED", Symbol: "د.إ"},
		{Code: "AUD", Symbol: "$", Name: "AU Dollar", PluralName: "AU Dollars"},
	}, currencies)
}

// The currencies envelope key is "currencies": a body keyed "countries"
// is an error, not an empty list.
func TestCurrenciesService_ReadWrongEnvelope(t *testing.T) {
	t.Parallel()
	c, mux := setup(t)
	mux.HandleFunc("GET /currencies", func(w http.ResponseWriter, r *http.Request) {
		serveFixture(t, w, http.StatusOK, "countries/list.json")
	})
	_, _, err := c.Currencies.Read(t.Context())
	require.ErrorContains(t, err, `"currencies"`)
}

func TestReference_InvalidArguments(t *testing.T) {
	t.Parallel()
	assertNoRequestOnBadArgs(t, []refCase{
		{"users single 0", func(ctx context.Context, c *Client) error { return ignore2(c.Users.ReadSingle(ctx, 0, nil)) }},
		{"users single -1", func(ctx context.Context, c *Client) error { return ignore2(c.Users.ReadSingle(ctx, -1, nil)) }},
		{"users update 0", func(ctx context.Context, c *Client) error {
			return ignore2(c.Users.Update(ctx, 0, &UserInput{Timezone: Set("UTC")}))
		}},
		{"users update nil", func(ctx context.Context, c *Client) error { return ignore2(c.Users.Update(ctx, 61, nil)) }},
		{"users update empty username", func(ctx context.Context, c *Client) error {
			return ignore2(c.Users.Update(ctx, 61, &UserInput{Username: Set(" ")}))
		}},
		{"users update null username", func(ctx context.Context, c *Client) error {
			return ignore2(c.Users.Update(ctx, 61, &UserInput{Username: Null[string]()}))
		}},
		{"teams single 0", func(ctx context.Context, c *Client) error { return ignore2(c.Teams.ReadSingle(ctx, 0, nil)) }},
		{"titles create nil", func(ctx context.Context, c *Client) error { return ignore2(c.Titles.Create(ctx, nil)) }},
		{"titles create unset", func(ctx context.Context, c *Client) error {
			return ignore2(c.Titles.Create(ctx, &PersonTitleInput{}))
		}},
		{"titles create empty", func(ctx context.Context, c *Client) error {
			return ignore2(c.Titles.Create(ctx, &PersonTitleInput{Title: Set("")}))
		}},
		{"titles create null", func(ctx context.Context, c *Client) error {
			return ignore2(c.Titles.Create(ctx, &PersonTitleInput{Title: Null[string]()}))
		}},
		{"titles delete 0", func(ctx context.Context, c *Client) error { return ignore1(c.Titles.Delete(ctx, 0)) }},
	})
}

func TestReference_ErrorMapping(t *testing.T) {
	t.Parallel()
	assertErrorMapping(t, []refCase{
		{"users", func(ctx context.Context, c *Client) error { return ignore2(c.Users.Read(ctx, nil)) }},
		{"users single", func(ctx context.Context, c *Client) error { return ignore2(c.Users.ReadSingle(ctx, 1, nil)) }},
		{"users current", func(ctx context.Context, c *Client) error { return ignore2(c.Users.ReadCurrent(ctx, nil)) }},
		{"users update", func(ctx context.Context, c *Client) error {
			return ignore2(c.Users.Update(ctx, 1, &UserInput{Locale: Set("xx")}))
		}},
		{"teams", func(ctx context.Context, c *Client) error { return ignore2(c.Teams.Read(ctx, nil)) }},
		{"teams single", func(ctx context.Context, c *Client) error { return ignore2(c.Teams.ReadSingle(ctx, 1, nil)) }},
		{"site", func(ctx context.Context, c *Client) error { return ignore2(c.Site.Read(ctx)) }},
		{"titles", func(ctx context.Context, c *Client) error { return ignore2(c.Titles.Read(ctx)) }},
		{"titles create", func(ctx context.Context, c *Client) error {
			return ignore2(c.Titles.Create(ctx, &PersonTitleInput{Title: Set("Dame")}))
		}},
		{"titles delete", func(ctx context.Context, c *Client) error { return ignore1(c.Titles.Delete(ctx, 1)) }},
		{"countries", func(ctx context.Context, c *Client) error { return ignore2(c.Countries.Read(ctx)) }},
		{"currencies", func(ctx context.Context, c *Client) error { return ignore2(c.Currencies.Read(ctx)) }},
	})
}
