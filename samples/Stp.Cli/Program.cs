using System.CommandLine;
using Stp.Cli;

var root = new RootCommand("stp: 3D molecule generation with diffusion models and Scaling the Prior (StP).")
{
    TrainCommand.Create(),
    SampleCommand.Create(),
    EvaluateCommand.Create(),
    ScaleCommand.Create(),
};
try
{
    var parse = root.Parse(args);
    return await parse.InvokeAsync();
}
catch (UsageException e)
{
    Console.Error.WriteLine($"stp: {e.Message}");
    return 2;
}
catch (Exception e) when (e is IOException or InvalidDataException or FormatException or ArgumentException or NotSupportedException or InvalidOperationException or UnauthorizedAccessException)
{
    Console.Error.WriteLine($"stp: {e.Message}");
    return 1;
}
