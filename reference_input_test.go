package capsule

import (
	"testing"
)

// Input marshalling: unset fields are left out, Null sends null, zero values
// are sent, set values are sent.

func TestUserInput_Marshal(t *testing.T) {
	t.Parallel()
	testJSONMarshal(t, &UserInput{}, `{}`)
	testJSONMarshal(t, &UserInput{
		Username: Null[string](), Locale: Null[string](), Currency: Null[string](), Timezone: Null[string](),
		EmailPreference: Null[string](), ClickToCallPreference: Null[string](),
		PreferredEmailFromAddress: Null[string](), TaskReminder: Null[bool](),
	}, `{"username":null,"locale":null,"currency":null,"timezone":null,"emailPreference":null,
		"clickToCallPreference":null,"preferredEmailFromAddress":null,"taskReminder":null}`)
	testJSONMarshal(t, &UserInput{PreferredEmailFromAddress: Set(""), TaskReminder: Set(false)},
		`{"preferredEmailFromAddress":"","taskReminder":false}`)
	testJSONMarshal(t, &UserInput{
		Username: Set("scott"), Locale: Set(LocaleEnglishGB), Currency: Set("GBP"), Timezone: Set("Europe/London"),
		EmailPreference: Set("GMAIL"), ClickToCallPreference: Set(ClickToCallCircleLoop),
		PreferredEmailFromAddress: Set("s@example.com"), TaskReminder: Set(true),
	}, `{"username":"scott","locale":"en_GB","currency":"GBP","timezone":"Europe/London","emailPreference":"GMAIL",
		"clickToCallPreference":"CIRCLELOOP","preferredEmailFromAddress":"s@example.com","taskReminder":true}`)
}

func TestPersonTitleInput_Marshal(t *testing.T) {
	t.Parallel()
	testJSONMarshal(t, &PersonTitleInput{}, `{}`)
	testJSONMarshal(t, &PersonTitleInput{Title: Null[string]()}, `{"title":null}`)
	testJSONMarshal(t, &PersonTitleInput{Title: Set("")}, `{"title":""}`)
	testJSONMarshal(t, &PersonTitleInput{Title: Set("Dame")}, `{"title":"Dame"}`)
}

func TestActivityTypeInput_Marshal(t *testing.T) {
	t.Parallel()
	testJSONMarshal(t, &ActivityTypeInput{}, `{}`)
	testJSONMarshal(t, &ActivityTypeInput{Name: Null[string](), Icon: Null[IconRef](), UpdateLastContacted: Null[bool]()},
		`{"name":null,"icon":null,"updateLastContacted":null}`)
	testJSONMarshal(t, &ActivityTypeInput{Name: Set(""), UpdateLastContacted: Set(false)},
		`{"name":"","updateLastContacted":false}`)
	testJSONMarshal(t, &ActivityTypeInput{Name: Set("Demo"), Icon: Icon("PHONE"), UpdateLastContacted: Set(true)},
		`{"name":"Demo","icon":{"id":"PHONE"},"updateLastContacted":true}`)
}

func TestCategoryInput_Marshal(t *testing.T) {
	t.Parallel()
	testJSONMarshal(t, &CategoryInput{}, `{}`)
	testJSONMarshal(t, &CategoryInput{Name: Null[string](), Colour: Null[string]()}, `{"name":null,"colour":null}`)
	testJSONMarshal(t, &CategoryInput{Colour: Set("")}, `{"colour":""}`)
	testJSONMarshal(t, &CategoryInput{Name: Set("Billing"), Colour: Set("#444444")}, `{"name":"Billing","colour":"#444444"}`)
}

func TestLostReasonInput_Marshal(t *testing.T) {
	t.Parallel()
	testJSONMarshal(t, &LostReasonInput{}, `{}`)
	testJSONMarshal(t, &LostReasonInput{Name: Null[string](), IncludedForConversion: Null[bool]()},
		`{"name":null,"includedForConversion":null}`)
	testJSONMarshal(t, &LostReasonInput{IncludedForConversion: Set(false)}, `{"includedForConversion":false}`)
	testJSONMarshal(t, &LostReasonInput{Name: Set("Price"), IncludedForConversion: Set(true)},
		`{"name":"Price","includedForConversion":true}`)
}

func TestPipelineInput_Marshal(t *testing.T) {
	t.Parallel()
	testJSONMarshal(t, &PipelineInput{}, `{}`)
	testJSONMarshal(t, &PipelineInput{Name: Null[string](), Description: Null[string]()}, `{"name":null,"description":null}`)
	testJSONMarshal(t, &PipelineInput{Description: Set("")}, `{"description":""}`)
	testJSONMarshal(t, &PipelineInput{Name: Set("Sales"), Description: Set("Main")}, `{"name":"Sales","description":"Main"}`)
}

func TestMilestoneInput_Marshal(t *testing.T) {
	t.Parallel()
	testJSONMarshal(t, &MilestoneInput{}, `{}`)
	testJSONMarshal(t, &MilestoneInput{
		Name: Null[string](), Description: Null[string](), Probability: Null[int](),
		DaysUntilStale: Null[int](), Complete: Null[bool](), Pipeline: Null[Ref](),
	}, `{"name":null,"description":null,"probability":null,"daysUntilStale":null,"complete":null,"pipeline":null}`)
	testJSONMarshal(t, &MilestoneInput{Probability: Set(0), DaysUntilStale: Set(0), Complete: Set(false)},
		`{"probability":0,"daysUntilStale":0,"complete":false}`)
	testJSONMarshal(t, &MilestoneInput{
		Name: Set("Won"), Description: Set("Closed won"), Probability: Set(100),
		DaysUntilStale: Set(30), Complete: Set(true), Pipeline: RefTo(7),
	}, `{"name":"Won","description":"Closed won","probability":100,"daysUntilStale":30,"complete":true,"pipeline":{"id":7}}`)
}

func TestBoardInput_Marshal(t *testing.T) {
	t.Parallel()
	testJSONMarshal(t, &BoardInput{}, `{}`)
	testJSONMarshal(t, &BoardInput{Name: Null[string](), Description: Null[string]()}, `{"name":null,"description":null}`)
	testJSONMarshal(t, &BoardInput{Description: Set("")}, `{"description":""}`)
	testJSONMarshal(t, &BoardInput{Name: Set("Onboarding"), Description: Set("New")}, `{"name":"Onboarding","description":"New"}`)
}

func TestStageInput_Marshal(t *testing.T) {
	t.Parallel()
	testJSONMarshal(t, &StageInput{}, `{}`)
	testJSONMarshal(t, &StageInput{Name: Null[string](), Description: Null[string](), Board: Null[int64](), DisplayOrder: Null[int]()},
		`{"name":null,"description":null,"board":null,"displayOrder":null}`)
	testJSONMarshal(t, &StageInput{Description: Set(""), DisplayOrder: Set(0)}, `{"description":"","displayOrder":0}`)
	testJSONMarshal(t, &StageInput{Name: Set("Kick-off"), Description: Set("First"), Board: Set[int64](34), DisplayOrder: Set(1)},
		`{"name":"Kick-off","description":"First","board":34,"displayOrder":1}`)
}

func TestRestHookInput_Marshal(t *testing.T) {
	t.Parallel()
	testJSONMarshal(t, &RestHookInput{}, `{}`)
	testJSONMarshal(t, &RestHookInput{Event: Null[HookEvent](), TargetURL: Null[string](), Description: Null[string](), Embed: Null[string]()},
		`{"event":null,"targetUrl":null,"description":null,"embed":null}`)
	testJSONMarshal(t, &RestHookInput{Description: Set(""), Embed: Set("")}, `{"description":"","embed":""}`)
	testJSONMarshal(t, &RestHookInput{
		Event: Set(EventPartyCreated), TargetURL: Set("https://example.com/h"), Description: Set("d"), Embed: Set("fields,tags"),
	}, `{"event":"party/created","targetUrl":"https://example.com/h","description":"d","embed":"fields,tags"}`)
}
