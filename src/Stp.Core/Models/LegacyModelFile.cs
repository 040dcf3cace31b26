using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Stp.Data;
using Stp.Diffusion;
using static TorchSharp.torch;

namespace Stp.Models;

/// <summary>
/// Reads the first release's <c>.stp</c> files (magic "STPCKPT1": metadata with the CLI's model description, raw
/// weights, EMA weights, optimizer state) as a model description and EMA weights under the "denoiser." prefix.
/// </summary>
internal static class LegacyModelFile
{
    public const string Magic = "STPCKPT1";

    public static bool IsLegacy(string path)
    {
        using var fs = File.OpenRead(path);
        var head = new byte[Magic.Length + 1];
        return fs.Read(head) == head.Length && head[0] == Magic.Length && Encoding.UTF8.GetString(head, 1, Magic.Length) == Magic;
    }

    /// <exception cref="DataFileException">Truncated, corrupt or implausible content; the message names the file.</exception>
    public static (ModelDescription Description, Dictionary<string, Tensor> Weights, Dictionary<string, string> Metadata) Read(string path)
    {
        Dictionary<string, Tensor>? raw = null, ema = null;
        try
        {
            using var r = new BinaryReader(File.OpenRead(path), Encoding.UTF8);
            if (r.ReadString() != Magic) throw new DataFileException(path, "not an Stp model file");
            var meta = JsonSerializer.Deserialize<Dictionary<string, string>>(r.ReadString()) ?? throw new DataFileException(path, "empty metadata");
            if (!meta.TryGetValue("model", out var json) || json is null)
                throw new DataFileException(path, "has no model description (was it written by 'stp train'?)");
            var description = Convert(json, path);
            raw = TensorStore.Read(r, path);
            ema = TensorStore.Read(r, path);
            if (ema.Count == 0) (ema, raw) = (raw, ema);
            var weights = ema.ToDictionary(kv => "denoiser." + kv.Key, kv => kv.Value, StringComparer.Ordinal);
            ema = null;
            return (description, weights, meta);
        }
        catch (Exception e) when (e is not DataFileException)
        {
            foreach (var t in ema?.Values ?? Enumerable.Empty<Tensor>()) t.Dispose();
            if (e is EndOfStreamException) throw new DataFileException(path, "truncated", inner: e);
            if (e is JsonException) throw new DataFileException(path, "corrupt metadata or model description (not valid JSON)", inner: e);
            if (e is IOException or InvalidOperationException or FormatException or ArgumentException or OverflowException)
                throw new DataFileException(path, "corrupt or unsupported header (a length, name or value that cannot be read)", inner: e);
            throw;
        }
        finally
        {
            foreach (var t in raw?.Values ?? Enumerable.Empty<Tensor>()) t.Dispose();
        }
    }

    /// <summary>The first release's ModelSpec JSON (PascalCase) as a model description.</summary>
    private static ModelDescription Convert(string json, string path)
    {
        var o = JsonNode.Parse(json)?.AsObject() ?? throw new DataFileException(path, "empty model description");
        string backbone = o["Backbone"]?.GetValue<string>() ?? "edm";
        if (backbone != "edm") throw new DataFileException(path, $"unknown backbone '{XyzFile.Trunc(backbone)}'");
        string dataset = o["Dataset"]?.GetValue<string>() ?? "qm9";
        var priorName = o["Prior"]?.GetValue<string>() ?? nameof(PriorKind.ScaledPrior);
        if (!Enum.TryParse<PriorKind>(priorName, out var prior) || !Enum.IsDefined(prior) || int.TryParse(priorName, out _))
            throw new DataFileException(path, $"unknown prior '{XyzFile.Trunc(priorName)}' ({string.Join(", ", Enum.GetNames<PriorKind>())})");
        var gamma = o["PriorScales"]?.AsArray().Select(v => v?.GetValue<double>() ?? double.NaN).ToArray();
        var sizes = o["SizeHistogram"]?.AsObject().ToDictionary(kv => int.Parse(kv.Key, System.Globalization.CultureInfo.InvariantCulture), kv => kv.Value?.GetValue<long>() ?? -1);
        var vocab = Chemistry.AtomVocabulary.ForDataset(dataset);
        var description = new ModelDescription
        {
            Denoiser = new ComponentDescription("edm.egnn", o["Egnn"]?.DeepClone().AsObject(), "Stp.Backbones.Edm"),
            Codec = new ComponentDescription(EdmFeatureCodecFactory.TypeId, new JsonObject
            {
                ["vocabulary"] = vocab.Name,
                ["atomicNumbers"] = new JsonArray(vocab.AtomicNumbers.Select(z => (JsonNode?)JsonValue.Create(z)).ToArray()),
                ["includeAtomicNumber"] = o["IncludeAtomicNumber"]?.GetValue<bool>() ?? true,
            }),
            Schedule = new ScheduleDescription("polynomial", o["Timesteps"]?.GetValue<int>() ?? 1000, Power: 2, Precision: 1e-5),
            Prior = new PriorDescription(prior, dataset, prior == PriorKind.Unit ? null : gamma),
            Sizes = sizes,
        };
        description.Validate(path);
        return description;
    }
}
