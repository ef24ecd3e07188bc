package command_test

import (
	"context"
	"fmt"

	"github.com/teonet-go/teomq/command"
)

// A consumer declares the commands it serves and answers each delivered
// request through the set.
func ExampleSet() {
	const appVersion = "0.1.0"

	commands := command.NewSet()
	err := commands.Add("version", "Get consumer version.", "{data}",
		func(ctx context.Context, r *command.Request) ([]byte, error) {
			return fmt.Appendf(nil, "version: %s, data: %s", appVersion, r.Vars["data"]), nil
		})
	if err != nil {
		fmt.Println(err)
		return
	}

	// A producer's request line "version/some_data" arrives as the command
	// "version" with the data "some_data".
	name, data := command.Split("version/some_data")
	reply, err := commands.Handle(context.Background(), name, []byte(data))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(reply))
	fmt.Print(commands.Usage())
	// Output:
	// version: 0.1.0, data: some_data
	//   version/{data}  Get consumer version.
}
