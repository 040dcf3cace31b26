using System.Text.Json;
using Stp.Data;
using Stp.Models;
using static TorchSharp.torch;

namespace Stp.Metrics.Properties;

/// <summary>Predictor files: safetensors (keys "predictor.*", the description in the header) and the same description as JSON beside it.</summary>
internal static class PredictorFile
{
    public const string FormatKey = "stp.format", DescriptionKey = "stp.predictor", Format = "stp-property-predictor/1";

    private sealed record Description(string Format, PredictorOptions Model, ContextProperties Normalization, HeldOutMae? HeldOut, Dictionary<string, string>? Notes);

    public static string WeightsPath(string path) =>
        path.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? Path.ChangeExtension(path, ".safetensors")
        : File.Exists(path) || path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase) ? path : path + ".safetensors";

    public static void Save(PropertyPredictor predictor, string path)
    {
        var weights = WeightsPath(path);
        var d = new Description(Format, predictor.Options, predictor.Normalization, predictor.HeldOut, predictor.Notes);
        var json = JsonSerializer.Serialize(d, ModelDescription.JsonOptions);
        var tensors = StateDict.Entries(predictor.Network).ToDictionary(e => "predictor." + e.Name, e => e.Tensor);
        SafetensorsFile.Write(weights, tensors, new Dictionary<string, string> { [FormatKey] = "property-predictor", [DescriptionKey] = json });
        AtomicFile.WriteAllText(Path.ChangeExtension(weights, ".json"), json);
    }

    public static PropertyPredictor Load(string path, Device device)
    {
        ArgumentNullException.ThrowIfNull(path);
        var weights = WeightsPath(path);
        if (!File.Exists(weights)) throw new FileNotFoundException($"Property predictor not found: {path}", path);
        var (meta, tensors) = SafetensorsFile.Read(weights);
        try
        {
            if (!meta.TryGetValue(DescriptionKey, out var json))
                throw new InvalidDataException($"{weights} is not a property predictor (no '{DescriptionKey}' entry; a diffusion model file?).");
            Description d;
            try
            {
                d = JsonSerializer.Deserialize<Description>(json, ModelDescription.JsonOptions) ?? throw new InvalidDataException($"{weights}: empty predictor description.");
            }
            catch (Exception e) when (e is JsonException or ArgumentException)
            {
                throw new InvalidDataException($"{weights}: invalid predictor description ({e.Message}).", e);
            }
            if (d.Format != Format) throw new InvalidDataException($"{weights}: unknown predictor format '{d.Format}' (this version reads {Format}).");
            var predictor = PropertyPredictor.Create(d.Model, d.Normalization, 0, device);
            try
            {
                StateDict.Load(predictor.Network, tensors, "predictor.", weights);
            }
            catch
            {
                predictor.Dispose();
                throw;
            }
            predictor.HeldOut = d.HeldOut;
            foreach (var (k, v) in d.Notes ?? new()) predictor.Notes[k] = v;
            return predictor;
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }
}
