using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Numerics;

namespace Stp.Cli;

/// <summary>
/// The one place where the commands check their options and output paths before any expensive work (loading data or a
/// model, sampling, training). Option values are checked while the command line is parsed (validators): a bad value is
/// a usage error (exit code 2), one line naming the option. Output paths are checked when the command starts, before
/// it loads anything: a path that cannot be written is a runtime error (exit code 1) naming the option and the path.
/// Nothing here creates a folder or leaves a file behind.
/// </summary>
internal static class OptionChecks
{
    /// <summary>The most molecules one command samples (a sizes array beyond this is a typo, not a plan).</summary>
    public const int MaxMolecules = 10_000_000;

    /// <summary>The longest time budget: a year.</summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromDays(365);

    /// <summary>Adds a validator: the value lies in [<paramref name="min"/>, <paramref name="max"/>] (and is finite).</summary>
    public static Option<T> InRange<T>(this Option<T> option, T min, T? max = null) where T : struct, INumber<T>
    {
        option.Validators.Add(r => { if (Value<T>(r) is (true, var v)) CheckRange(r, v, min, max); });
        return option;
    }

    /// <summary>Adds a validator to an optional value: when given, it lies in [<paramref name="min"/>, <paramref name="max"/>].</summary>
    public static Option<T?> InRange<T>(this Option<T?> option, T min, T? max = null) where T : struct, INumber<T>
    {
        option.Validators.Add(r => { if (Value<T?>(r) is (true, T v)) CheckRange(r, v, min, max); });
        return option;
    }

    /// <summary>Adds a validator: the value is strictly positive (and finite), at most <paramref name="max"/>.</summary>
    public static Option<double?> Positive(this Option<double?> option, double max = double.MaxValue)
    {
        option.Validators.Add(r =>
        {
            if (Value<double?>(r) is (true, double v) && !(v > 0 && v <= max))
                r.AddError(string.Create(CultureInfo.InvariantCulture, $"{Name(r)} must be positive{(max < double.MaxValue ? $" and at most {max}" : "")} (got {v})."));
        });
        return option;
    }

    /// <summary>Adds a validator: the value lies in [0, 1) (a decay rate).</summary>
    public static Option<double> Fraction(this Option<double> option)
    {
        option.Validators.Add(r =>
        {
            if (Value<double>(r) is (true, var v) && !(v >= 0 && v < 1)) r.AddError(string.Create(CultureInfo.InvariantCulture, $"{Name(r)} must be in [0, 1) (got {v})."));
        });
        return option;
    }

    /// <summary>Adds a validator: the value is one of <paramref name="allowed"/> (case-insensitive); the message calls it a <paramref name="what"/>.</summary>
    public static Option<T> OneOf<T>(this Option<T> option, string what, params string[] allowed)
    {
        option.Validators.Add(r =>
        {
            if (Value<T>(r) is (true, string v) && !allowed.Contains(v, StringComparer.OrdinalIgnoreCase))
                r.AddError($"{Name(r)}: unknown {what} '{v}' ({string.Join(", ", allowed)}).");
        });
        return option;
    }

    /// <summary>Adds a validator: a duration such as 90m, 2h, 45s or 00:30:00, positive and at most a year.</summary>
    public static Option<string?> Duration(this Option<string?> option)
    {
        option.Validators.Add(r =>
        {
            if (Value<string?>(r) is (true, string v) && DurationProblem(v) is string problem) r.AddError($"{Name(r)}: {problem}");
        });
        return option;
    }

    /// <summary>Adds a validator: a comma-separated list of atom counts (each 1..1000), e.g. 10,15,19,25.</summary>
    public static Option<string?> AtomCounts(this Option<string?> option)
    {
        option.Validators.Add(r =>
        {
            if (Value<string?>(r) is not (true, string v)) return;
            var bad = SplitList(v).FirstOrDefault(x => !int.TryParse(x, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1 || n > 1000);
            if (bad is not null || SplitList(v).Length == 0)
                r.AddError($"{Name(r)}: '{bad ?? v}' is not an atom count (a comma-separated list of counts in 1..1000, e.g. 10,15,19,25).");
        });
        return option;
    }

    /// <summary>The atom counts of a list checked by <see cref="AtomCounts"/>.</summary>
    public static int[] ParseAtomCounts(string list) => SplitList(list).Select(x => int.Parse(x, CultureInfo.InvariantCulture)).ToArray();

    /// <summary>Parses a duration checked by <see cref="Duration"/>: hh:mm:ss, or a number with s, m or h (seconds without a unit).</summary>
    public static TimeSpan ParseDuration(string text) =>
        TryParseDuration(text, out var d) && d > TimeSpan.Zero && d <= MaxDuration ? d : throw new UsageException(DurationProblem(text)!);

    /// <summary>
    /// Checks that <paramref name="folder"/> (the value of <paramref name="option"/>) can hold the command's output: it is
    /// not a file, and it, or the nearest folder above it that exists, is writable; each of <paramref name="files"/> inside
    /// it is not a folder. Throws <see cref="IOException"/> naming the option and the path.
    /// </summary>
    public static void OutputFolder(string option, string folder, params string[] files)
    {
        var full = Path.GetFullPath(folder);
        if (File.Exists(full)) throw new IOException($"{option}: {folder} is a file, not a folder.");
        foreach (var name in files)
        {
            var path = Path.Combine(full, name);
            if (Directory.Exists(path)) throw new IOException($"{option}: {Path.Combine(folder, name)} is a folder; the command writes a file of that name there.");
        }
        CheckWritable(option, full);
    }

    /// <summary>Checks that the file <paramref name="path"/> (the value of <paramref name="option"/>) can be written: not a folder, its folder writable.</summary>
    public static void OutputFile(string option, string path)
    {
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full)) throw new IOException($"{option}: {path} is a folder, not a file.");
        CheckWritable(option, Path.GetDirectoryName(full)!);
    }

    /// <summary>Throws unless the nearest existing folder at or above <paramref name="full"/> is a folder and accepts a new file.</summary>
    private static void CheckWritable(string option, string full)
    {
        var existing = full;
        while (!Directory.Exists(existing))
        {
            if (File.Exists(existing)) throw new IOException($"{option}: {existing} is a file, so the folder {full} cannot be created.");
            existing = Path.GetDirectoryName(existing) ?? throw new IOException($"{option}: no folder of {full} exists.");
        }
        var probe = Path.Combine(existing, $".stp-write-check-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose)) { }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"{option}: cannot write to {existing}{(existing == full ? "" : $" (to create {full})")}: {e.Message}", e);
        }
        finally
        {
            try { File.Delete(probe); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static void CheckRange<T>(OptionResult r, T v, T min, T? max) where T : struct, INumber<T>
    {
        if (T.IsNaN(v) || T.IsInfinity(v) || v < min || (max is T hi && v > hi))
            r.AddError(max is T m ? string.Create(CultureInfo.InvariantCulture, $"{Name(r)} must be in {min}..{m} (got {v}).")
                : string.Create(CultureInfo.InvariantCulture, $"{Name(r)} must be at least {min} (got {v})."));
    }

    private static string Name(OptionResult r) => r.Option.Name;

    /// <summary>The option's value, or false when it did not convert (System.CommandLine reports that error itself).</summary>
    private static (bool Ok, T? Value) Value<T>(OptionResult r)
    {
        try { return (true, r.GetValueOrDefault<T>()); }
        catch (InvalidOperationException) { return (false, default); }
    }

    private static string[] SplitList(string list) => list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static string? DurationProblem(string text)
    {
        if (!TryParseDuration(text, out var d)) return $"'{text}' is not a duration (e.g. 90m, 2h, 45s or 00:30:00).";
        if (d <= TimeSpan.Zero) return $"'{text}' is not a positive duration.";
        if (d > MaxDuration) return $"'{text}' is longer than a year; give at most {MaxDuration.TotalHours:F0}h.";
        return null;
    }

    private static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = default;
        var s = text.Trim().ToLowerInvariant();
        if (s.Contains(':')) return TimeSpan.TryParse(s, CultureInfo.InvariantCulture, out duration);
        double unit = s.EndsWith('h') ? 3600 : s.EndsWith('m') ? 60 : 1;
        if (!double.TryParse(s.TrimEnd('s', 'm', 'h'), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v)) return false;
        double seconds = v * unit;
        if (Math.Abs(seconds) > MaxDuration.TotalSeconds * 2) { duration = seconds < 0 ? TimeSpan.MinValue : TimeSpan.MaxValue; return true; }
        duration = TimeSpan.FromSeconds(seconds);
        return true;
    }
}
