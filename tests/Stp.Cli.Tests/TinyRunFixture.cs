using NUnit.Framework;
using Stp.Testing;

namespace Stp.Cli.Tests;

/// <summary>Base of the CLI fixtures that train tiny runs: a temporary folder with the hydrocarbon data set, removed afterwards.</summary>
public abstract class TinyRunFixture
{
    private protected TempFolder Dir { get; private set; } = null!;

    private protected string Data { get; private set; } = "";

    [OneTimeSetUp]
    public void WriteData()
    {
        Dir = new TempFolder();
        Data = CliRun.WriteHydrocarbons(Dir.File("tiny.xyz"));
    }

    [OneTimeTearDown]
    public void Cleanup() => Dir?.Dispose();
}
