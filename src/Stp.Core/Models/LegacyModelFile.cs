using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
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

    public static (ModelDescription Description, Dictionary<string, Tensor> Weights, Dictionary<string, string> Metadata) Read(string path)
    {
        try
        {
            using var r = new BinaryReader(File.OpenRead(path), Encoding.UTF8);
            if (r.ReadString() != Magic) throw new InvalidDataException($"{path} is not an Stp model file.");
            var meta = JsonSerializer.Deserialize<Dictionary<string, string>>(r.ReadString()) ?? throw new InvalidDataException($"{path}: empty metadata.");
            var raw = TensorStore.Read(r, path);
            var ema = TensorStore.Read(r, path);
            if (ema.Count == 0) ema = raw;
            else foreach (var t in raw.Values) t.Dispose();
            if (!meta.TryGetValue("model", out var json))
                throw new InvalidDataException($"{path} has no model description (was it written by 'stp train'?).");
            var weights = ema.ToDictionary(kv => "denoiser." + kv.Key, kv => kv.Value, StringComparer.Ordinal);
            return (Convert(json, path), weights, meta);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"{path} is truncated.", e);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: corrupt metadata ({e.Message}).", e);
        }
    }

    /// <summary>The first release's ModelSpec JSON (PascalCase) as a model description.</summary>
    private static ModelDescription Convert(string json, string path)
    {
        var o = JsonNode.Parse(json)?.AsObject() ?? throw new InvalidDataException($"{path}: empty model description.");
        string backbone = o["Backbone"]?.GetValue<string>() ?? "edm";
        if (backbone != "edm") throw new InvalidDataException($"{path}: unknown backbone '{backbone}'.");
        string dataset = o["Dataset"]?.GetValue<string>() ?? "qm9";
        var prior = Enum.Parse<PriorKind>(o["Prior"]?.GetValue<string>() ?? nameof(PriorKind.ScaledPrior));
        var gamma = o["PriorScales"]?.AsArray().Select(v => v!.GetValue<double>()).ToArray();
        var sizes = o["SizeHistogram"]?.AsObject().ToDictionary(kv => int.Parse(kv.Key, System.Globalization.CultureInfo.InvariantCulture), kv => kv.Value!.GetValue<long>());
        var vocab = Chemistry.AtomVocabulary.ForDataset(dataset);
        return new ModelDescription
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
    }
}
