package capsule

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTagDefinitionDecode(t *testing.T) {
	t.Parallel()
	var list struct {
		Tags []*TagDefinition `json:"tags"`
	}
	require.NoError(t, json.Unmarshal(fixture(t, "tags/list.json"), &list))
	assert.Equal(t, []*TagDefinition{
		{ID: 1199, Name: "VIP", Description: nil, DataTag: false, Definitions: nil},
		{ID: 168298, Name: "Hobby interests", Description: Ptr("What they do for fun"), DataTag: true,
			Definitions: []FieldDefinition{{
				ID: 926886, Name: "Interests", Description: nil, Type: FieldTypeList, Tag: nil, CaptureRule: nil,
				Options: []string{"Traveling", "Food", "Art"}, Important: false, DisplayOrder: 1,
			}}},
	}, list.Tags)

	var show struct {
		Tag TagDefinition `json:"tag"`
	}
	require.NoError(t, json.Unmarshal(fixture(t, "tags/show.json"), &show))
	assert.Equal(t, TagDefinition{ID: 1840253, Name: "Nice Guy", Description: nil, DataTag: false, Definitions: []FieldDefinition{}}, show.Tag)
}

func TestTagInputJSON(t *testing.T) {
	t.Parallel()
	testJSONMarshal(t, &TagInput{}, `{}`)
	testJSONMarshal(t, &TagInput{Name: Set("Nice Guy"), Description: Null[string](), DataTag: Set(false)},
		`{"name":"Nice Guy","description":null,"dataTag":false}`)
	testJSONMarshal(t, &TagInput{Description: Set("Our best customers")}, `{"description":"Our best customers"}`)
}

func TestTagInputValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		in     *TagInput
		create bool
		arg    string // "" = valid
	}{
		{"create", &TagInput{Name: Set("VIP")}, true, ""},
		{"create data tag", &TagInput{Name: Set("Hobby"), DataTag: Set(true), Description: Null[string]()}, true, ""},
		{"update empty", &TagInput{}, false, ""},
		{"update description", &TagInput{Description: Set("x")}, false, ""},
		{"nil", nil, true, "tag"},
		{"create without name", &TagInput{DataTag: Set(true)}, true, "tag.name"},
		{"blank name", &TagInput{Name: Set(" ")}, false, "tag.name"},
		{"null name", &TagInput{Name: Null[string]()}, false, "tag.name"},
		{"null dataTag", &TagInput{DataTag: Null[bool]()}, false, "tag.dataTag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.in.validate(tt.create)
			if tt.arg == "" {
				assert.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrInvalidArgument)
			assert.ErrorContains(t, err, tt.arg)
		})
	}
}
