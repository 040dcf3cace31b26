using System.Text.Json.Nodes;
using Stp.Chemistry;
using Stp.Codecs;
using Stp.Data;

namespace Stp.Models;

/// <summary>Rebuilds <see cref="EdmFeatureCodec"/> ("edm.features"): vocabulary, Z channel and the three norms.</summary>
internal sealed class EdmFeatureCodecFactory : IModelComponentFactory
{
    public const string TypeId = "edm.features";

    public string Type => TypeId;

    public object Create(ComponentDescription description, ModelBuildContext context)
    {
        var o = description.Options ?? throw new InvalidDataException($"Codec '{TypeId}' needs options (vocabulary).");
        var name = o["vocabulary"]?.GetValue<string>() ?? throw new InvalidDataException($"Codec '{TypeId}': missing 'vocabulary'.");
        var numbers = o["atomicNumbers"]?.AsArray().Select(v => v?.GetValue<int>() ?? -1).ToArray();
        var vocab = numbers is { Length: > 0 } ? new AtomVocabulary(name, numbers) : AtomVocabulary.ForDataset(name);
        var features = new AtomFeatures(vocab, o["includeAtomicNumber"]?.GetValue<bool>() ?? false);
        return new EdmFeatureCodec(features, o["positionNorm"]?.GetValue<double>() ?? 1, o["categoricalNorm"]?.GetValue<double>() ?? 4,
            o["atomicNumberNorm"]?.GetValue<double>() ?? 10);
    }

    public static ComponentDescription Describe(EdmFeatureCodec codec) => new(TypeId, new JsonObject
    {
        ["vocabulary"] = codec.Features.Vocabulary.Name,
        ["atomicNumbers"] = new JsonArray(codec.Features.Vocabulary.AtomicNumbers.Select(z => (JsonNode?)JsonValue.Create(z)).ToArray()),
        ["includeAtomicNumber"] = codec.Features.IncludeAtomicNumber,
        ["positionNorm"] = codec.PositionNorm,
        ["categoricalNorm"] = codec.CategoricalNorm,
        ["atomicNumberNorm"] = codec.AtomicNumberNorm,
    });
}
