package capsule

import (
	"time"
)

// User is a user of the Capsule account. Users are created and removed in
// the Capsule web app; the API reads them and updates their preferences.
type User struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
	// Name mirrors the name of the user's party record (read-only).
	Name string `json:"name"`
	// Locale is one of the Locale constants, e.g. LocaleEnglishGB.
	Locale string `json:"locale"`
	// Currency is an ISO 4217 code such as "GBP".
	Currency string `json:"currency"`
	// Timezone is an IANA zone name such as "Europe/London".
	Timezone string `json:"timezone"`
	// EmailPreference is how e-mail links open, e.g. "GMAIL".
	EmailPreference string `json:"emailPreference"`
	// ClickToCallPreference is one of the ClickToCall constants.
	ClickToCallPreference     string `json:"clickToCallPreference"`
	PreferredEmailFromAddress string `json:"preferredEmailFromAddress"`
	// Party is the person record that holds the user's e-mail addresses and
	// phone numbers: a stub, or the full party fields that PartyRef has
	// with embed=party.
	Party *PartyRef `json:"party"`
	// TaskReminder reports whether the user gets the daily task e-mail.
	TaskReminder bool `json:"taskReminder"`
	// Status is "ACTIVE" for active users (read-only).
	Status string `json:"status"`
	// LastLoginAt is when the user last signed in; nil when never.
	LastLoginAt *time.Time `json:"lastLoginAt"`
	// Roles is only returned by older API versions; nil when absent.
	Roles *UserRoles `json:"roles,omitempty"`
}

// UserRoles holds the account roles some API versions return with a user.
type UserRoles struct {
	IsAccountOwner bool `json:"isAccountOwner"`
	IsAccountAdmin bool `json:"isAccountAdmin"`
}

// Locales a user can choose (User.Locale).
const (
	LocaleEnglishUS = "en_US"
	LocaleEnglishGB = "en_GB"
	LocaleSpanishES = "es_ES"
)

// Click-to-call preferences (User.ClickToCallPreference).
const (
	ClickToCallSIP        = "SIP"
	ClickToCallTel        = "TEL"
	ClickToCallCallTo     = "CALLTO"
	ClickToCallCircleLoop = "CIRCLELOOP"
)

// UserInput is the body of a user update: the user's preferences. Unset
// fields keep their value.
type UserInput struct {
	Username                  Optional[string] `json:"username,omitzero"`
	Locale                    Optional[string] `json:"locale,omitzero"`
	Currency                  Optional[string] `json:"currency,omitzero"`
	Timezone                  Optional[string] `json:"timezone,omitzero"`
	EmailPreference           Optional[string] `json:"emailPreference,omitzero"`
	ClickToCallPreference     Optional[string] `json:"clickToCallPreference,omitzero"`
	PreferredEmailFromAddress Optional[string] `json:"preferredEmailFromAddress,omitzero"`
	TaskReminder              Optional[bool]   `json:"taskReminder,omitzero"`
}

// Team is a team of users. Records can be assigned to a team.
type Team struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
	// Memberships is only filled with embed=memberships.
	Memberships []TeamMembership `json:"memberships,omitempty"`
}

// TeamMembership is one member of a team.
type TeamMembership struct {
	User UserRef `json:"user"`
}

// Site is the Capsule account the token belongs to.
type Site struct {
	// URL is the account's web address, e.g. "https://exampleco.capsulecrm.com".
	URL       string `json:"url"`
	Subdomain string `json:"subdomain"`
	Name      string `json:"name"`
}

// PersonTitle is a custom person title such as "Sir". A person's title must
// be a built-in title or one of these.
type PersonTitle struct {
	ID    int64  `json:"id"`
	Title string `json:"title"`
}

// PersonTitleInput is the body of a custom title creation.
type PersonTitleInput struct {
	Title Optional[string] `json:"title,omitzero"`
}

// Country is a country as Capsule knows it. Name is what party addresses
// use.
type Country struct {
	Alpha2Code  string `json:"alpha2Code"`
	Alpha3Code  string `json:"alpha3Code"`
	NumericCode int    `json:"numericCode"`
	Name        string `json:"name"`
}

// Currency is a currency Capsule supports. Name and PluralName are empty for
// the currencies Capsule sends without them.
type Currency struct {
	// Code is the ISO 4217 code, e.g. "AUD".
	Code       string `json:"code"`
	Symbol     string `json:"symbol"`
	Name       string `json:"name,omitempty"`
	PluralName string `json:"pluralName,omitempty"`
}

// Built-in activity type ids. Custom activity types have positive ids.
const (
	ActivityTypeNote          int64 = -1
	ActivityTypeMeeting       int64 = -2
	ActivityTypeCall          int64 = -3
	ActivityTypeTaskCompleted int64 = -4
)

// ActivityType is a kind of history entry (note, call, meeting, or one the
// account defines).
type ActivityType struct {
	// ID is negative for the built-in types (ActivityTypeNote ...).
	ID   int64  `json:"id"`
	Name string `json:"name"`
	// Icon is nil when Capsule sends none.
	Icon *ActivityTypeIcon `json:"icon"`
	// UpdateLastContacted reports whether entries of this type move the
	// record's lastContactedAt.
	UpdateLastContacted bool `json:"updateLastContacted"`
}

// ActivityTypeIcon is an icon an activity type can use. The full list is
// ActivityTypesService.ReadIcons.
type ActivityTypeIcon struct {
	// ID names the icon on write, e.g. "PHONE".
	ID          string `json:"id"`
	Order       int    `json:"order"`
	DisplayName string `json:"displayName"`
	// IconName is the kebab-case name of the icon glyph.
	IconName string `json:"iconName"`
	IsSystem bool   `json:"isSystem"`
}

// IconRef refers to an activity type icon by id on write.
type IconRef struct {
	ID string `json:"id"`
}

// Icon returns an Optional reference to the icon with the given id, e.g.
// Icon("PHONE"), for ActivityTypeInput.Icon.
func Icon(id string) Optional[IconRef] { return Set(IconRef{ID: id}) }

// ActivityTypeInput is the body of an activity type creation or update.
type ActivityTypeInput struct {
	Name                Optional[string]  `json:"name,omitzero"`
	Icon                Optional[IconRef] `json:"icon,omitzero"`
	UpdateLastContacted Optional[bool]    `json:"updateLastContacted,omitzero"`
}

// Category is a task category.
type Category struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	// Colour is "#" followed by six hex digits, e.g. "#444444".
	Colour string `json:"colour"`
}

// CategoryInput is the body of a task category creation or update.
type CategoryInput struct {
	Name Optional[string] `json:"name,omitzero"`
	// Colour is "#" followed by six hex digits.
	Colour Optional[string] `json:"colour,omitzero"`
}

// LostReason is a reason an opportunity was lost.
type LostReason struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	// IncludedForConversion reports whether opportunities lost for this
	// reason count in conversion statistics.
	IncludedForConversion bool      `json:"includedForConversion"`
	CreatedAt             time.Time `json:"createdAt"`
	UpdatedAt             time.Time `json:"updatedAt"`
}

// LostReasonInput is the body of a lost reason creation or update.
type LostReasonInput struct {
	Name                  Optional[string] `json:"name,omitzero"`
	IncludedForConversion Optional[bool]   `json:"includedForConversion,omitzero"`
}
