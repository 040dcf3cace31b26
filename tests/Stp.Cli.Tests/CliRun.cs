using NUnit.Framework;
using Stp.Chemistry;
using Stp.Data;

namespace Stp.Cli.Tests;

/// <summary>Runs the CLI in process with stdout and stderr captured, and the tiny data sets the CLI tests train on.</summary>
internal static class CliRun
{
    /// <summary>Runs the CLI with stdout and stderr captured; <paramref name="ct"/> stops the command as Ctrl+C does.</summary>
    public static (int Code, string Out, string Err) Capture(string[] args, CancellationToken ct = default) => Capture(args, new StringWriter(), ct);

    /// <summary>
    /// Runs the CLI and stops it as Ctrl+C does as soon as its output contains <paramref name="trigger"/> (with
    /// <see cref="ProgressLine.PlainInterval"/> zero, so that every progress report is a line): an interruption at a known step.
    /// </summary>
    public static (int Code, string Out, string Err) CaptureStoppingAt(string[] args, string trigger)
    {
        using var cts = new CancellationTokenSource();
        var before = ProgressLine.PlainInterval;
        ProgressLine.PlainInterval = TimeSpan.Zero;
        try { return Capture(args, new TriggerWriter(trigger, cts), cts.Token); }
        finally { ProgressLine.PlainInterval = before; }
    }

    private static (int Code, string Out, string Err) Capture(string[] args, StringWriter stdout, CancellationToken ct)
    {
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        var stderr = new StringWriter();
        Console.SetOut(TextWriter.Synchronized(stdout));
        Console.SetError(TextWriter.Synchronized(stderr));
        try
        {
            int code = CliApp.RunAsync(args, ct).GetAwaiter().GetResult();
            return (code, stdout.ToString(), stderr.ToString());
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldErr);
        }
    }

    /// <summary>Captured output that cancels a token once it contains a trigger text.</summary>
    private sealed class TriggerWriter(string trigger, CancellationTokenSource cts) : StringWriter
    {
        public override void Write(char value) { base.Write(value); Check(); }
        public override void Write(string? value) { base.Write(value); Check(); }
        public override void Write(char[] buffer, int index, int count) { base.Write(buffer, index, count); Check(); }
        public override void WriteLine(string? value) { base.WriteLine(value); Check(); }

        private void Check()
        {
            if (!cts.IsCancellationRequested && GetStringBuilder().ToString().Contains(trigger, StringComparison.Ordinal)) cts.Cancel();
        }
    }

    /// <summary>stderr holds exactly one line, "stp: ..." containing every one of <paramref name="expected"/>, and no stack trace.</summary>
    public static void AssertOneErrorLine(string err, params string[] expected)
    {
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.That(lines, Has.Length.EqualTo(1), err);
        Assert.That(lines[0], Does.StartWith("stp: "));
        foreach (var e in expected) Assert.That(lines[0], Does.Contain(e));
        Assert.That(lines[0], Does.Not.Contain(" at Stp."));
    }

    /// <summary>Writes 24 small hydrocarbons (CH3 units, 4 to 16 atoms, jittered) as multi-XYZ to <paramref name="path"/>.</summary>
    public static string WriteHydrocarbons(string path)
    {
        var r = new Random(1);
        var mols = new List<Molecule>();
        for (int i = 0; i < 24; i++)
        {
            int heavy = 1 + i % 4;
            var z = new List<int>(); var p = new List<double>();
            for (int a = 0; a < heavy; a++) { z.Add(6); p.AddRange(new[] { 1.54 * a, 0.0, 0.0 }); }
            for (int a = 0; a < heavy; a++)
                foreach (var (dy, dz) in new[] { (1.03, 0.0), (-0.5, 0.9), (-0.5, -0.9) })
                { z.Add(1); p.AddRange(new[] { 1.54 * a + r.NextDouble() * 0.05, dy, dz }); }
            mols.Add(new Molecule(z.ToArray(), p.ToArray(), new Dictionary<string, string> { ["id"] = i.ToString() }));
        }
        XyzFile.Write(path, mols);
        return path;
    }
}
