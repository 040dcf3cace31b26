using Stp.Chemistry;
using Stp.Data;
using Stp.Metrics.Chemistry;

namespace Stp.Cli;

/// <summary>
/// The molecule files of a sampling command, written as the batches finish: every finished batch is appended to
/// <c>samples.part.xyz</c> and <c>samples.part.sdf</c> in the output folder and flushed to disk, so a crash (even a native
/// one that kills the process) loses at most the batch in progress. When every batch is done, <c>samples.xyz</c> and
/// <c>samples.sdf</c> are written atomically in molecule-id order and the part files are removed. When the run stops
/// early, <see cref="Stopped"/> says how many molecules the part files hold and where.
/// </summary>
internal sealed class SampleOutput : IDisposable
{
    public const string Xyz = "samples.xyz", Sdf = "samples.sdf", PartXyz = "samples.part.xyz", PartSdf = "samples.part.sdf";

    /// <summary>Every file this output writes (earlier samples in a folder are these).</summary>
    public static readonly string[] Files = { Xyz, Sdf, PartXyz, PartSdf };

    private AtomVocabulary _vocabulary = AtomVocabulary.Qm9;
    private FileStream? _xyzStream, _sdfStream;
    private StreamWriter? _xyz, _sdf;
    private int _leftOutOfSdf;

    private SampleOutput(string folder) => Folder = folder;

    /// <summary>The output folder.</summary>
    public string Folder { get; }

    /// <summary>Molecules appended to the part files so far.</summary>
    public int Written { get; private set; }

    /// <summary>
    /// Checks the folder before anything is sampled (see <see cref="OptionChecks.OutputFolder"/>) and refuses to replace
    /// earlier samples there unless <paramref name="replace"/> (--force); then returns the output (nothing is written yet).
    /// </summary>
    public static SampleOutput Open(string folder, bool replace, string option = "--out")
    {
        OptionChecks.OutputFolder(option, folder, Files);
        var earlier = Files.Where(f => File.Exists(Path.Combine(folder, f))).ToList();
        if (earlier.Count > 0 && !replace)
            throw new UsageException($"{option}: {folder} already holds samples ({string.Join(", ", earlier)}); choose another folder or give --force to replace them.");
        return new SampleOutput(folder);
    }

    /// <summary>The dataset whose bond rules the SDF files use (the model's vocabulary; default QM9).</summary>
    public string Dataset { set => _vocabulary = AtomVocabulary.ForDataset(value); }

    /// <summary>Appends a finished batch to the part files and flushes them to disk.</summary>
    public void Append(IReadOnlyList<Molecule> batch)
    {
        if (_xyz is null)
        {
            Directory.CreateDirectory(Folder);
            (_xyzStream, _xyz) = Create(PartXyz);
            (_sdfStream, _sdf) = Create(PartSdf);
        }
        foreach (var m in batch)
        {
            XyzFile.WriteOne(_xyz, m);
            if (SdfFile.CanWrite(m)) SdfFile.WriteOne(_sdf!, m, BondInference.Infer(m, _vocabulary));
            else _leftOutOfSdf++;
        }
        Flush(_xyz, _xyzStream!);
        Flush(_sdf!, _sdfStream!);
        Written += batch.Count;
    }

    /// <summary>Writes the final files atomically (molecules in id order) and removes the part files.</summary>
    public void Complete(IReadOnlyList<Molecule> molecules)
    {
        Close();
        Directory.CreateDirectory(Folder);
        var writable = molecules.Where(SdfFile.CanWrite).ToList();
        if (writable.Count < molecules.Count)
            Console.Error.WriteLine($"{molecules.Count - writable.Count} diverged molecules (coordinates beyond 10,000 A) are left out of the SDF; the XYZ file has all {molecules.Count}.");
        XyzFile.Write(Path.Combine(Folder, Xyz), molecules);
        File.Delete(Path.Combine(Folder, PartXyz));
        File.Delete(Path.Combine(Folder, PartSdf));
        if (writable.Count == 0)
        {
            File.Delete(Path.Combine(Folder, Sdf)); // an SDF of an earlier run would not match the new XYZ
            throw new InvalidDataException($"None of the {molecules.Count} molecules can be written to {Path.Combine(Folder, Sdf)} (all diverged beyond 10,000 A); no empty SDF was written. {Path.Combine(Folder, Xyz)} holds them all.");
        }
        SdfFile.Write(Path.Combine(Folder, Sdf), writable.Select(m => (m, BondInference.Infer(m, _vocabulary))));
    }

    /// <summary>
    /// The exception that ends a run stopped in batch <paramref name="batch"/> (1-based) of <paramref name="batches"/> by
    /// <paramref name="cause"/>: its message says how many of <paramref name="total"/> molecules the part files hold and where.
    /// A cancellation stays an <see cref="OperationCanceledException"/> (exit code 130).
    /// </summary>
    public Exception Stopped(Exception cause, int batch, int batches, int total)
    {
        Close();
        string kept;
        if (Written == 0)
        {
            if (Directory.Exists(Folder)) // stopped before the first batch: the folder may not exist yet
            {
                File.Delete(Path.Combine(Folder, PartXyz));
                File.Delete(Path.Combine(Folder, PartSdf));
            }
            kept = $"no molecule of the {total} was finished, nothing was written";
        }
        else
        {
            kept = $"{Written} of {total} molecules were finished and written to {Path.Combine(Folder, PartXyz)} and {PartSdf}"
                + (_leftOutOfSdf > 0 ? $" ({_leftOutOfSdf} diverged ones only to the XYZ file)" : "");
        }
        var where = $"batch {batch} of {batches}";
        return cause is OperationCanceledException
            ? new OperationCanceledException($"interrupted in {where}: {kept}.", cause)
            : new InvalidOperationException($"sampling failed in {where} ({FirstLine(cause.Message)}): {kept}.", cause);
    }

    /// <inheritdoc />
    public void Dispose() => Close();

    private (FileStream, StreamWriter) Create(string name)
    {
        var stream = new FileStream(Path.Combine(Folder, name), FileMode.Create, FileAccess.Write, FileShare.Read);
        return (stream, new StreamWriter(stream, new System.Text.UTF8Encoding(false), 1 << 16, leaveOpen: true));
    }

    private static void Flush(StreamWriter writer, FileStream stream)
    {
        writer.Flush();
        stream.Flush(flushToDisk: true);
    }

    private void Close()
    {
        _xyz?.Dispose(); _sdf?.Dispose();
        _xyzStream?.Dispose(); _sdfStream?.Dispose();
        _xyz = _sdf = null;
        _xyzStream = _sdfStream = null;
    }

    private static string FirstLine(string message) =>
        message.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0) ?? "no message";
}
