package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/capsulecrm-go/capsule"
)

func init() {
	tasksWrite.register()
	registerSubcommand("tasks", func(a *app) *cobra.Command {
		return taskStatusCommand(a, "complete", "Mark a task completed", (*capsule.TasksService).Complete)
	})
	registerSubcommand("tasks", func(a *app) *cobra.Command {
		return taskStatusCommand(a, "reopen", "Open a completed task again", (*capsule.TasksService).Reopen)
	})
}

// taskStatusCommand is tasks complete or tasks reopen: one call of the SDK
// that changes the task's status, printing the task as changed.
func taskStatusCommand(a *app, verb, short string, change func(*capsule.TasksService, context.Context, int64) (*capsule.Task, *capsule.Response, error)) *cobra.Command {
	var wf writeFlags
	cmd := &cobra.Command{
		Use:     verb + " ID",
		Short:   short,
		Long:    short + ". Prints the task as changed; --dry-run prints the request and sends nothing.",
		Example: fmt.Sprintf("  capsule tasks %s 42\n  capsule tasks %s 42 --dry-run", verb, verb),
		Args:    exactArgs("ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := parseID(args[0])
			if err != nil {
				return err
			}
			return tasksWrite.write(cmd.Context(), a, &wf, &taskIn{}, func(ctx context.Context, c *capsule.Client) (*capsule.Task, error) {
				rec, _, err := change(c.Tasks, ctx, id)
				return rec, err
			})
		},
	}
	cmd.Flags().BoolVar(&wf.dryRun, "dry-run", false, "print the request that would be sent and send nothing")
	return cmd
}

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
