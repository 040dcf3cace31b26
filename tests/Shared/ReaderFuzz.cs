using System.Diagnostics;
using System.Text;
using NUnit.Framework;
using Stp.Data;

namespace Stp.Testing;

/// <summary>
/// Seeded mutation fuzzing of a reader: from one small valid input it derives truncations at many offsets, bit flips,
/// huge, negative, zero and NaN numbers written over the numbers of a text (or binary integers), unknown words, and
/// deleted or doubled spans; each input is written to a file and read. Every input must either be read or be refused
/// with a <see cref="DataFileException"/> whose message names the file: any other exception, a read that takes longer
/// than <see cref="TimeLimit"/>, or one that allocates more than <see cref="AllocationLimit"/> fails the test.
/// </summary>
internal static class ReaderFuzz
{
    /// <summary>Longest a single read may take (a hang fails instead of stalling CI).</summary>
    public static readonly TimeSpan TimeLimit = TimeSpan.FromSeconds(20);

    /// <summary>Most managed bytes one read may allocate, given the input's length.</summary>
    public static long AllocationLimit(long inputLength) => (32L << 20) + 200 * inputLength;

    private static readonly string[] Numbers =
    [
        "0", "-5", "-1", "2147483647", "-2147483648", "800000000", "8e8", "4294967296", "9223372036854775807",
        "99999999999999999999", "1e39", "1e300", "-1e300", "NaN", "nan", "inf", "-Infinity", "1.5", "2048", "",
    ];

    private static readonly long[] BinaryValues = [0, -1, -5, int.MaxValue, int.MinValue, long.MaxValue, 800_000_000, 1L << 40];

    /// <summary>The valid input, an empty one, then about <paramref name="budget"/> seeded mutations of <paramref name="valid"/>.</summary>
    public static IEnumerable<(string Kind, byte[] Bytes)> Mutations(byte[] valid, int seed, int budget)
    {
        var rng = new Random(seed);
        yield return ("valid", valid);
        yield return ("empty", []);
        int n = valid.Length;
        // Truncations: every offset of a small input, else the first and last 24 bytes and evenly spread offsets.
        var cuts = n <= budget / 3 ? Enumerable.Range(1, n - 1)
            : Enumerable.Range(1, 24).Concat(Enumerable.Range(n - 24, 24)).Concat(Enumerable.Range(0, budget / 3).Select(i => (int)((long)i * n / (budget / 3))));
        foreach (var cut in cuts.Where(c => c > 0 && c < n).Distinct()) yield return ($"truncated at {cut}", valid[..cut]);
        for (int i = 0; i < budget / 6; i++)
        {
            var b = (byte[])valid.Clone();
            int flips = 1 + rng.Next(3);
            for (int k = 0; k < flips; k++) b[rng.Next(n)] ^= (byte)(1 << rng.Next(8));
            yield return ($"{flips} bit flips", b);
        }
        var numbers = Runs(valid, c => char.IsAsciiDigit(c) || c is '-' or '+' or '.' or 'e' or 'E', mustHaveDigit: true);
        for (int i = 0; i < budget / 4 && numbers.Count > 0; i++)
        {
            var (start, length) = numbers[rng.Next(numbers.Count)];
            var text = Numbers[rng.Next(Numbers.Length)];
            yield return ($"number at {start} -> '{text}'", Splice(valid, start, length, Encoding.ASCII.GetBytes(text)));
        }
        var words = Runs(valid, char.IsAsciiLetter, mustHaveDigit: false);
        for (int i = 0; i < budget / 12 && words.Count > 0; i++)
        {
            var (start, length) = words[rng.Next(words.Count)];
            yield return ($"word at {start} -> 'Foo'", Splice(valid, start, length, "Foo"u8.ToArray()));
        }
        for (int i = 0; i < budget / 8 && n >= 8; i++)
        {
            var b = (byte[])valid.Clone();
            long value = BinaryValues[rng.Next(BinaryValues.Length)];
            int width = rng.Next(2) == 0 ? 4 : 8, at = rng.Next(n - width + 1);
            BitConverter.TryWriteBytes(b.AsSpan(at, width), width == 4 ? (int)value : value);
            if (rng.Next(4) == 0) BitConverter.TryWriteBytes(b.AsSpan(at, 4), float.NaN);
            yield return ($"binary {value} ({width} bytes) at {at}", b);
        }
        for (int i = 0; i < budget / 8 && n > 2; i++)
        {
            int start = rng.Next(n), length = 1 + rng.Next(Math.Min(64, n - start));
            yield return rng.Next(2) == 0
                ? ($"deleted {length} at {start}", Splice(valid, start, length, []))
                : ($"doubled {length} at {start}", Splice(valid, start, 0, valid[start..(start + length)]));
        }
    }

    /// <summary>
    /// Writes every mutation with <paramref name="write"/> (which returns the path to read and the name the error must
    /// carry), reads it with <paramref name="read"/> and checks the outcome; prints and returns the number of inputs.
    /// </summary>
    public static int Run(string reader, byte[] valid, int seed, int budget, Func<byte[], (string Path, string Name)> write, Action<string> read)
    {
        int inputs = 0, accepted = 0;
        var failures = new List<string>();
        var clock = Stopwatch.StartNew();
        foreach (var (kind, bytes) in Mutations(valid, seed, budget))
        {
            inputs++;
            var (path, name) = write(bytes);
            var outcome = Task.Run(() =>
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                try
                {
                    read(path);
                    return (Error: (Exception?)null, Allocated: GC.GetAllocatedBytesForCurrentThread() - before);
                }
                catch (Exception e)
                {
                    return (Error: e, Allocated: GC.GetAllocatedBytesForCurrentThread() - before);
                }
            });
            if (!outcome.Wait(TimeLimit)) { failures.Add($"{kind}: no answer within {TimeLimit.TotalSeconds} s"); break; }
            var (error, allocated) = outcome.Result;
            if (allocated > AllocationLimit(bytes.Length))
                failures.Add($"{kind}: allocated {allocated:N0} bytes for a {bytes.Length:N0}-byte input");
            if (error is null) accepted++;
            else if (error is not DataFileException)
                failures.Add($"{kind}: {error.GetType().Name}: {error.Message.Split('\n')[0]}");
            else if (!error.Message.Contains(name, StringComparison.Ordinal) || error.Message.Contains('\n'))
                failures.Add($"{kind}: the message does not name {name} on one line: {error.Message}");
        }
        TestContext.Out.WriteLine($"{reader}: {inputs} inputs ({accepted} read, {inputs - accepted} refused with DataFileException) in {clock.Elapsed.TotalSeconds:F1} s");
        Assert.That(failures, Is.Empty, $"{reader}: {failures.Count} of {inputs} inputs failed:\n" + string.Join("\n", failures.Take(15)));
        return inputs;
    }

    /// <summary>A writer for <see cref="Run"/>: each input goes to a fresh file "&lt;n&gt;-<paramref name="name"/>" in <paramref name="folder"/>, and the error must name that path.</summary>
    public static Func<byte[], (string Path, string Name)> Files(TempFolder folder, string name)
    {
        int n = 0;
        return bytes =>
        {
            var path = folder.File($"{n++}-{name}");
            File.WriteAllBytes(path, bytes);
            return (path, path);
        };
    }

    /// <summary>Maximal runs of bytes whose characters satisfy <paramref name="member"/> (ASCII only).</summary>
    private static List<(int Start, int Length)> Runs(byte[] bytes, Func<char, bool> member, bool mustHaveDigit)
    {
        var runs = new List<(int, int)>();
        for (int i = 0; i < bytes.Length;)
        {
            if (bytes[i] >= 128 || !member((char)bytes[i])) { i++; continue; }
            int start = i;
            bool digit = false;
            while (i < bytes.Length && bytes[i] < 128 && member((char)bytes[i])) digit |= char.IsAsciiDigit((char)bytes[i++]);
            if (digit || !mustHaveDigit) runs.Add((start, i - start));
        }
        return runs;
    }

    private static byte[] Splice(byte[] bytes, int start, int length, byte[] insert) => [.. bytes[..start], .. insert, .. bytes[(start + length)..]];
}
