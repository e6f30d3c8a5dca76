package main

import (
	"github.com/capsulecrm-go/capsule"
)

func init() { tasksWrite.register() }

type taskIn = capsule.TaskInput

var tasksWrite = &writeType[taskIn, capsule.Task]{
	read: tasksType, noun: "task",
	flags: []inputFlag[taskIn]{
		{name: "description", usage: "what is to be done (required to create)", apply: setText(func(in *taskIn) *capsule.Optional[string] { return &in.Description })},
		{name: "detail", usage: "more about it", apply: setText(func(in *taskIn) *capsule.Optional[string] { return &in.Detail })},
		{name: "due-on", usage: "the due date, YYYY-MM-DD", apply: setDate(func(in *taskIn) *capsule.Optional[capsule.Date] { return &in.DueOn })},
		{name: "category", usage: "the id of the task category", apply: setRef(func(in *taskIn) *capsule.Optional[capsule.Ref] { return &in.Category })},
		{name: "party", usage: "the id of the party it is about", apply: setRef(func(in *taskIn) *capsule.Optional[capsule.Ref] { return &in.Party })},
		{name: "opportunity", usage: "the id of the opportunity it is about", apply: setRef(func(in *taskIn) *capsule.Optional[capsule.Ref] { return &in.Opportunity })},
		{name: "project", usage: "the id of the project it is about", apply: setRef(func(in *taskIn) *capsule.Optional[capsule.Ref] { return &in.Kase })},
		{name: "owner", usage: "the id of the user who does it", apply: setRef(func(in *taskIn) *capsule.Optional[capsule.Ref] { return &in.Owner })},
	},
	createExample: `  capsule tasks create --description "Call Ada" --due-on 2026-01-15 --party 11
  capsule tasks create --data @task.json --dry-run`,
	updateExample: `  capsule tasks update 42 --due-on 2026-02-01
  echo '{"status": "COMPLETED"}' | capsule tasks update 42 --data -`,
	service: func(c *capsule.Client) writeService[taskIn, capsule.Task] { return c.Tasks },
}
