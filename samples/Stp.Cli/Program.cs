return await Stp.Cli.CliApp.RunAsync(args);
