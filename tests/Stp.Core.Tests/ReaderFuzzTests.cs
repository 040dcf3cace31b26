using System.IO.Compression;
using System.Text;
using NUnit.Framework;
using Stp.Chemistry;
using Stp.Data;
using Stp.Data.Npy;
using Stp.Models;
using Stp.Testing;
using static TorchSharp.torch;

namespace Stp.Core.Tests;

/// <summary>
/// Seeded mutation fuzzing of every reader in Core (see <see cref="ReaderFuzz"/>): each mutated input is read or refused
/// with a <see cref="DataFileException"/> naming the file; never another exception, a hang or a huge allocation. The
/// model-file, checkpoint and .pt readers are fuzzed in the EDM tests (they need a backbone), the QM9 tarball in the CLI
/// tests.
/// </summary>
public class ReaderFuzzTests : TempFolderFixture
{
    private static readonly Molecule Water = new([8, 1, 1], [0, 0, 0.1173, 0, 0.7572, -0.4692, 0, -0.7572, -0.4692], new Dictionary<string, string> { ["id"] = "w" });
    private static readonly Molecule Methane = new([6, 1, 1, 1, 1], [0, 0, 0, 0.63, 0.63, 0.63, -0.63, -0.63, 0.63, -0.63, 0.63, -0.63, 0.63, -0.63, -0.63], new Dictionary<string, string> { ["id"] = "m" });

    private int _files;


    private static byte[] Gzip(byte[] bytes)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(bytes);
        return ms.ToArray();
    }

    private byte[] XyzBytes()
    {
        var path = Dir.File("valid.xyz");
        XyzFile.Write(path, [Water, Methane, Water]);
        return File.ReadAllBytes(path);
    }

    private static void ReadXyz(string path)
    {
        _ = XyzFile.ReadLenient(path, out _);
        _ = XyzFile.Read(path).Count();
        _ = MoleculeDatasets.Load(path);
    }

    [Test]
    public void Xyz() => ReaderFuzz.Run("XYZ", XyzBytes(), seed: 1, budget: 300, ReaderFuzz.Files(Dir, "m.xyz"), ReadXyz);

    [Test]
    public void XyzGzCompressedBytes() => ReaderFuzz.Run("XYZ.gz (compressed bytes)", Gzip(XyzBytes()), seed: 2, budget: 200, ReaderFuzz.Files(Dir, "m.xyz.gz"), ReadXyz);

    [Test]
    public void XyzGzText()
    {
        var write = ReaderFuzz.Files(Dir, "m.xyz.gz");
        ReaderFuzz.Run("XYZ.gz (text)", XyzBytes(), seed: 3, budget: 120, bytes => write(Gzip(bytes)), ReadXyz);
    }

    [Test]
    public void Sdf()
    {
        var path = Dir.File("valid.sdf");
        SdfFile.Write(path, [(Water, (IReadOnlyList<(int, int, int)>)[(0, 1, 1), (0, 2, 1)]), (Methane, [(0, 1, 1), (0, 2, 1), (0, 3, 1), (0, 4, 1)])]);
        ReaderFuzz.Run("SDF", File.ReadAllBytes(path), seed: 4, budget: 300, ReaderFuzz.Files(Dir, "m.sdf"), p =>
        {
            _ = SdfFile.ReadLenient(p, out _);
            _ = MoleculeDatasets.Load(p);
        });
    }

    /// <summary>EDM's QM9 npz: H2O and H2 padded to 3 atoms, stored (so that mutations reach the arrays) or deflated.</summary>
    private byte[] NpzBytes(bool compressed)
    {
        var path = Dir.File($"valid-{compressed}.npz");
        NpyBytes.WriteNpz(path, compressed,
            ("num_atoms", NpyBytes.Of("<i8", "(2,)", new long[] { 3, 2 })),
            ("charges", NpyBytes.Of("<i8", "(2, 3)", new long[] { 8, 1, 1, 1, 1, 0 })),
            ("positions", NpyBytes.Of("<f4", "(2, 3, 3)", new float[] { 0, 0, 0.125f, 0, 0.75f, -0.5f, 0, -0.75f, -0.5f, 0.375f, 0, 0, -0.375f, 0, 0, 0, 0, 0 })),
            ("homo", NpyBytes.Of("<f8", "(2,)", new[] { -0.25, -0.5 })));
        return File.ReadAllBytes(path);
    }

    [Test]
    public void NpzStored() => ReaderFuzz.Run("NPZ (stored)", NpzBytes(false), seed: 5, budget: 400, ReaderFuzz.Files(Dir, "train.npz"), p => MoleculeDatasets.Load(p));

    [Test]
    public void NpzDeflated() => ReaderFuzz.Run("NPZ (deflated)", NpzBytes(true), seed: 6, budget: 200, ReaderFuzz.Files(Dir, "train.npz"), p => MoleculeDatasets.Load(p));

    [Test]
    public void NpyGeom()
    {
        double[] rows = [0, 6, 0, 0, 0, 0, 1, 1.09, 0, 0, 1, 8, 0, 0, 0, 1, 1, 0.96, 0, 0];
        ReaderFuzz.Run("NPY (GEOM rows)", NpyBytes.Of("<f4", "(4, 5)", rows.Select(v => (float)v).ToArray()), seed: 7, budget: 300, ReaderFuzz.Files(Dir, "geom.npy"), p =>
        {
            _ = MoleculeDatasets.Load(p);
            _ = NpzFile.ReadNpy(p);
        });
    }

    [Test]
    public void Qm9Folder()
    {
        var valid = Encoding.UTF8.GetBytes(Qm9Text.Record(2, "O", 0.96));
        ReaderFuzz.Run("QM9 folder", valid, seed: 8, budget: 300, bytes =>
        {
            var folder = Dir.File($"qm9-{_files++}");
            Directory.CreateDirectory(folder);
            File.WriteAllText(Path.Combine(folder, "dsgdb9nsd_000001.xyz"), Qm9Text.Record(1, "C", 0));
            File.WriteAllBytes(Path.Combine(folder, "dsgdb9nsd_000002.xyz"), bytes);
            return (folder, folder);
        }, p => MoleculeDatasets.Load(p));
    }

    [Test]
    public void SafetensorsWeights()
    {
        var path = Dir.File("valid.safetensors");
        using (var w = arange(6, dtype: ScalarType.Float32).reshape(2, 3))
        using (var b = tensor(new long[] { 4, 5 }))
            SafetensorsFile.Write(path, new Dictionary<string, Tensor> { ["w"] = w, ["b"] = b }, new Dictionary<string, string> { ["note"] = "x" });
        ReaderFuzz.Run("safetensors", File.ReadAllBytes(path), seed: 9, budget: 400, ReaderFuzz.Files(Dir, "w.safetensors"), p =>
        {
            var (_, tensors) = SafetensorsFile.Read(p);
            foreach (var t in tensors.Values) t.Dispose();
        });
    }

    [Test]
    public void ModelDescriptionJson()
    {
        var description = new ModelDescription
        {
            Denoiser = new ComponentDescription("edm.egnn", new System.Text.Json.Nodes.JsonObject { ["hiddenFeatures"] = 16, ["layers"] = 2 }, "Stp.Backbones.Edm"),
            Codec = new ComponentDescription(EdmFeatureCodecFactory.TypeId, new System.Text.Json.Nodes.JsonObject { ["vocabulary"] = "qm9" }),
            Schedule = new ScheduleDescription("polynomial", 100, Power: 2, Precision: 1e-5),
            Prior = new PriorDescription(Diffusion.PriorKind.ScaledPrior, "qm9", [0, 1.5, 1.2, 1.1]),
            Sizes = new Dictionary<int, long> { [2] = 3, [3] = 4 },
        };
        ReaderFuzz.Run("model description JSON", Encoding.UTF8.GetBytes(description.ToJson()), seed: 10, budget: 400, ReaderFuzz.Files(Dir, "m.json"),
            p => ModelDescription.FromJson(File.ReadAllText(p), p));
    }
}
