using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using NUnit.Framework;

namespace Stp.Cli.Tests;

/// <summary>
/// metrics.jsonl (one record per trained step, one per evaluation) and TensorBoard's event files, read back: the
/// TFRecord framing (length, masked CRC-32C of the length, the Event protobuf, masked CRC-32C of the data) and the
/// scalars' tags, steps and values, with a small reader of its own.
/// </summary>
[NonParallelizable]
public class RunMetricsCliTests : TinyRunFixture
{
    private string[] Train(string run, string steps, params string[] extra) =>
        ["train", "--data", Data, "--gamma", "data", "--model-size", "tiny", "--batch-size", "8", "--steps", steps, "--checkpoint-every", "2",
         "--eval-every", "2", "--eval-samples", "2", "--threads", "1", "--out", run, .. extra];

    private static List<JsonObject> Records(string run) =>
        File.ReadAllLines(Path.Combine(run, RunMetrics.JsonLines)).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();

    [Test]
    public void MetricsJsonlHoldsOneRecordPerTrainedStepAndOnePerEvaluationAndAResumeAddsOnlyItsOwnSteps()
    {
        var run = Dir.File("jsonl");
        var (code, _, err) = CliRun.Capture(Train(run, "4"));
        Assert.That(code, Is.EqualTo(0), err);
        var records = Records(run);
        var train = records.Where(r => r["type"]!.GetValue<string>() == "train").ToList();
        Assert.That(train.Select(r => r["step"]!.GetValue<long>()), Is.EqualTo(new long[] { 1, 2, 3, 4 }));
        var csv = File.ReadAllLines(Path.Combine(run, RunFolder.TrainLog)).Skip(1).Select(l => l.Split(',')).ToList();
        for (int i = 0; i < 4; i++)
        {
            Assert.That(train[i]["loss"]!.GetValue<double>(), Is.EqualTo(double.Parse(csv[i][2], CultureInfo.InvariantCulture)).Within(1e-5), "the loss of train_log.csv");
            Assert.That(train[i]["grad_norm"]!.GetValue<double>(), Is.EqualTo(double.Parse(csv[i][3], CultureInfo.InvariantCulture)).Within(1e-4));
            Assert.That(train[i]["clipped"]!.GetValue<bool>(), Is.EqualTo(csv[i][4] == "1"));
            Assert.That(train[i]["lr"]!.GetValue<double>(), Is.EqualTo(1e-4));
            Assert.That(train[i]["steps_per_second"]!.GetValue<double>(), Is.GreaterThan(0));
            Assert.That(train[i]["step_seconds"]!.GetValue<double>(), Is.GreaterThan(0));
        }
        var evals = records.Where(r => r["type"]!.GetValue<string>() == "eval").ToList();
        Assert.That(evals.Select(r => r["step"]!.GetValue<long>()), Is.EqualTo(new long[] { 2, 4 }));
        var evalCsv = File.ReadAllLines(Path.Combine(run, RunFolder.EvalLog)).Skip(1).Select(l => l.Split(',')).ToList();
        for (int i = 0; i < 2; i++)
        {
            Assert.That(evals[i]["molecules"]!.GetValue<int>(), Is.EqualTo(2));
            foreach (var (key, column) in new[] { ("atom_stability", 2), ("molecule_stability", 3), ("validity", 4), ("valid_unique", 5), ("single_fragment", 6) })
                Assert.That(evals[i][key]!.GetValue<double>(), Is.EqualTo(double.Parse(evalCsv[i][column], CultureInfo.InvariantCulture)).Within(1e-4).And.InRange(0, 1), key);
        }

        (code, _, err) = CliRun.Capture(["train", "--out", run, "--resume", "--steps", "6", "--eval-every", "0", "--threads", "1"]);
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(Records(run).Where(r => r["type"]!.GetValue<string>() == "train").Select(r => r["step"]!.GetValue<long>()), Is.EqualTo(new long[] { 1, 2, 3, 4, 5, 6 }),
            "the steps trained, each once");
    }

    [Test]
    public void TensorBoardEventFilesHoldTheSameScalarsInValidRecords()
    {
        var run = Dir.File("tensorboard");
        var (code, _, err) = CliRun.Capture(Train(run, "4"));
        Assert.That(code, Is.EqualTo(0), err);
        var files = Directory.GetFiles(Path.Combine(run, RunMetrics.TensorBoardFolder));
        Assert.That(files, Has.Length.EqualTo(1));
        Assert.That(Path.GetFileName(files[0]), Does.StartWith("events.out.tfevents."));
        var events = TfEvents.Read(files[0]);
        Assert.That(events[0].FileVersion, Is.EqualTo("brain.Event:2"), "the first record names the format");
        var scalars = events.SelectMany(e => e.Values.Select(v => (e.Step, v.Tag, v.Value))).ToList();
        Assert.That(scalars.Select(s => s.Tag).Distinct(), Is.EquivalentTo(new[]
        {
            "train/loss", "train/grad_norm", "train/clipped", "train/lr", "train/steps_per_second",
            "eval/atom_stability", "eval/molecule_stability", "eval/validity", "eval/valid_unique", "eval/single_fragment",
        }));
        var records = Records(run);
        var loss = scalars.Where(s => s.Tag == "train/loss").ToList();
        Assert.That(loss.Select(s => s.Step), Is.EqualTo(new long[] { 1, 2, 3, 4 }));
        var jsonLoss = records.Where(r => r["type"]!.GetValue<string>() == "train").Select(r => (float)r["loss"]!.GetValue<double>());
        Assert.That(loss.Select(s => s.Value), Is.EqualTo(jsonLoss), "the loss of metrics.jsonl, as float32");
        Assert.That(scalars.Where(s => s.Tag == "train/lr").Select(s => s.Value), Is.All.EqualTo(1e-4f));
        var validity = scalars.Where(s => s.Tag == "eval/validity").ToList();
        Assert.That(validity.Select(s => s.Step), Is.EqualTo(new long[] { 2, 4 }));
        Assert.That(validity.Select(s => s.Value), Is.EqualTo(records.Where(r => r["type"]!.GetValue<string>() == "eval").Select(r => (float)r["validity"]!.GetValue<double>())));

        var off = Dir.File("no-tensorboard");
        Assert.That(CliRun.Capture(Train(off, "2", "--tensorboard", "false")).Code, Is.EqualTo(0));
        Assert.That(Directory.Exists(Path.Combine(off, RunMetrics.TensorBoardFolder)), Is.False);
        Assert.That(Records(off), Has.Count.EqualTo(3), "two steps and an evaluation, in metrics.jsonl all the same");
    }

    /// <summary>A reader of TensorBoard event files (TFRecord framing, Event and Summary protobufs: the fields scalars use).</summary>
    private static class TfEvents
    {
        public sealed record Event(double WallTime, long Step, string? FileVersion, List<(string Tag, float Value)> Values);

        public static List<Event> Read(string path)
        {
            var bytes = File.ReadAllBytes(path);
            var events = new List<Event>();
            for (int pos = 0; pos < bytes.Length;)
            {
                Assert.That(bytes.Length - pos, Is.GreaterThanOrEqualTo(16), "a whole record");
                var header = bytes.AsSpan(pos, 8);
                long length = BinaryPrimitives.ReadInt64LittleEndian(header);
                Assert.That(BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(pos + 8, 4)), Is.EqualTo(MaskedCrc(header)), $"length CRC of the record at {pos}");
                var data = bytes.AsSpan(pos + 12, checked((int)length));
                Assert.That(BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(pos + 12 + (int)length, 4)), Is.EqualTo(MaskedCrc(data)), $"data CRC of the record at {pos}");
                events.Add(ParseEvent(data));
                pos += 12 + (int)length + 4;
            }
            return events;
        }

        private static Event ParseEvent(ReadOnlySpan<byte> data)
        {
            double wall = 0; long step = 0; string? version = null;
            var values = new List<(string, float)>();
            for (int i = 0; i < data.Length;)
            {
                var (field, wire) = Key(data, ref i);
                switch (field, wire)
                {
                    case (1, 1): wall = BinaryPrimitives.ReadDoubleLittleEndian(data.Slice(i, 8)); i += 8; break;
                    case (2, 0): step = (long)Varint(data, ref i); break;
                    case (3, 2): version = Encoding.UTF8.GetString(Bytes(data, ref i)); break;
                    case (5, 2): values.AddRange(ParseSummary(Bytes(data, ref i))); break;
                    default: Skip(data, ref i, wire); break;
                }
            }
            return new Event(wall, step, version, values);
        }

        private static List<(string, float)> ParseSummary(ReadOnlySpan<byte> data)
        {
            var values = new List<(string, float)>();
            for (int i = 0; i < data.Length;)
            {
                var (field, wire) = Key(data, ref i);
                if (field != 1 || wire != 2) { Skip(data, ref i, wire); continue; }
                var value = Bytes(data, ref i);
                string tag = ""; float simple = float.NaN;
                for (int j = 0; j < value.Length;)
                {
                    var (f, w) = Key(value, ref j);
                    if (f == 1 && w == 2) tag = Encoding.UTF8.GetString(Bytes(value, ref j));
                    else if (f == 2 && w == 5) { simple = BinaryPrimitives.ReadSingleLittleEndian(value.Slice(j, 4)); j += 4; }
                    else Skip(value, ref j, w);
                }
                values.Add((tag, simple));
            }
            return values;
        }

        private static (int Field, int Wire) Key(ReadOnlySpan<byte> data, ref int i)
        {
            ulong key = Varint(data, ref i);
            return ((int)(key >> 3), (int)(key & 7));
        }

        private static ulong Varint(ReadOnlySpan<byte> data, ref int i)
        {
            ulong v = 0;
            for (int shift = 0; ; shift += 7)
            {
                byte b = data[i++];
                v |= (ulong)(b & 0x7f) << shift;
                if (b < 0x80) return v;
            }
        }

        private static ReadOnlySpan<byte> Bytes(ReadOnlySpan<byte> data, ref int i)
        {
            int n = (int)Varint(data, ref i);
            var slice = data.Slice(i, n);
            i += n;
            return slice;
        }

        private static void Skip(ReadOnlySpan<byte> data, ref int i, int wire)
        {
            switch (wire)
            {
                case 0: Varint(data, ref i); break;
                case 1: i += 8; break;
                case 2: Bytes(data, ref i); break;
                case 5: i += 4; break;
                default: Assert.Fail($"wire type {wire} at {i}"); break;
            }
        }

        /// <summary>TFRecord's masked CRC-32C (Castagnoli): rotate right by 15 bits, add 0xa282ead8.</summary>
        private static uint MaskedCrc(ReadOnlySpan<byte> data)
        {
            uint crc = 0xFFFFFFFF;
            foreach (var b in data)
            {
                crc ^= b;
                for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
            }
            crc = ~crc;
            return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
        }
    }
}
