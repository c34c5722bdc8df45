// Sound, as the course shows it: spoken digits heard as spectrograms. espeak-ng speaks the ten digit words in
// 176 voices (8 English accents x 22 voice variants) at 3 speeds and pitches each; every word becomes a log-mel
// spectrogram of 80 frames x 40 bands, and a 1-D CNN learns them. The test voices are never heard in training:
// every voice of the Caribbean accent, and 4 variants in every accent.
// Usage: SpokenDigits [epochs] [weights.safetensors] [--plots DIR] [--cache DIR] [--jobs N] [--picture FILE.png]
//   --cache: where the espeak-ng recordings are kept (default artifacts/spoken-digits/cache; made once, about 200 MB)
//   --jobs: espeak-ng processes and spectrogram threads at a time (default: half the cores)
//   --picture: the spectrogram of one test word (default artifacts/spoken-digits/seven.png)
using System.Diagnostics;
using System.Globalization;
using Cnn;
using Cnn.Samples;
using SpokenDigits;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
const string Usage = "Usage: SpokenDigits [epochs] [weights.safetensors] [--plots DIR] [--cache DIR] [--jobs N] [--picture FILE.png]";
string output = Path.Combine("artifacts", "spoken-digits");
SampleArguments arguments;
int epochs, jobs;
string cache, picture;
try
{
    cache = TakeOption(ref args, "--cache") ?? Path.Combine(output, "cache");
    picture = TakeOption(ref args, "--picture") ?? Path.Combine(output, "seven.png");
    string? jobsText = TakeOption(ref args, "--jobs");
    jobs = jobsText is null ? Math.Max(1, Environment.ProcessorCount / 2)
        : int.TryParse(jobsText, NumberStyles.None, CultureInfo.InvariantCulture, out int j) && j >= 1 ? j
        : throw new ArgumentException($"--jobs takes a whole number of at least 1, not '{jobsText}'.");
    arguments = SampleArguments.Parse(args);
    epochs = arguments.PositiveInt(0, 12, "number of epochs");
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(Usage);
    return 2;
}
string weightsPath = arguments.String(1, Path.Combine(output, "spoken-digits.safetensors"));

// 1. The recordings: espeak-ng speaks them once into the cache.
IReadOnlyList<Recording> recordings = Corpus.Recordings();
var clock = Stopwatch.StartNew();
try
{
    Console.WriteLine($"{Corpus.EspeakVersion()}");
    Console.WriteLine($"Synthesising what is missing of {recordings.Count} recordings (10 words each) into {cache}, {jobs} at a time...");
    int made = Corpus.Synthesise(recordings, cache, jobs);
    Console.WriteLine($"{made} made, {recordings.Count - made} from the cache, in {clock.Elapsed.TotalSeconds:F1} s.");
}
catch (InvalidOperationException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

// 2. The spectrograms, and the split by voice.
clock.Restart();
float[][] features;
try
{
    features = Corpus.Spectrograms(recordings, cache, jobs);
}
catch (CnnDataException e)
{
    Console.Error.WriteLine($"{e.Message} Delete the file to have it synthesised again.");
    return 2;
}
Console.WriteLine($"{features.Length} spectrograms of {Spectrogram.Frames} frames x {Spectrogram.MelBands} mel bands in {clock.Elapsed.TotalSeconds:F1} s.");
var trainIndices = new List<int>();
var testIndices = new List<int>();
for (int i = 0; i < features.Length; i++)
    (Corpus.NoveltyOf(recordings[i / Corpus.Words.Length].Voice) == Novelty.Training ? trainIndices : testIndices).Add(i);
Dataset train = ToDataset(trainIndices), test = ToDataset(testIndices);
int voices(List<int> indices) => indices.Select(i => recordings[i / Corpus.Words.Length].Voice).Distinct().Count();
Console.WriteLine($"Training: {train.Count} words in {voices(trainIndices)} voices. Test: {test.Count} words in {voices(testIndices)} voices never heard in training "
    + $"(accent {Corpus.TestAccent}; variants {string.Join(", ", Corpus.TestVariants)}).");
Console.WriteLine();
Console.WriteLine(SpokenDigitsCnn.Summary);
Console.WriteLine();

// 3. Training, Keras style.
var model = new SpokenDigitsCnn();
model.InitializeParameters(seed: 1);
var progress = new KerasProgress(epochs);
History history = progress.Run(() => Trainer.Fit(model, train, new TrainingOptions
{
    Epochs = epochs,
    BatchSize = 32,
    Optimizer = new Adam(learningRate: 0.001f),
    Seed = 1,
    ValidationData = test,
    OnBatchEnd = progress.OnBatchEnd,
    OnEpochEnd = progress.OnEpochEnd,
}));

// 4. Accuracy on the voices never heard, by how new they are.
int[] predicted = Trainer.Predict(model, test);
Evaluation evaluation = Trainer.Evaluate(model, test);
Console.WriteLine();
Console.WriteLine($"Accuracy on the {voices(testIndices)} voices never heard: {evaluation.Accuracy:P2} (loss {evaluation.Loss:F4}; chance is 10 %)");
foreach (Novelty novelty in new[] { Novelty.NewVariant, Novelty.NewAccent, Novelty.NewAccentAndVariant })
{
    int[] group = Enumerable.Range(0, testIndices.Count).Where(i => Corpus.NoveltyOf(recordings[testIndices[i] / Corpus.Words.Length].Voice) == novelty).ToArray();
    double accuracy = group.Count(i => predicted[i] == test.Labels![i]) / (double)group.Length;
    Console.WriteLine($"  {Describe(novelty),-38} {accuracy,7:P2} of {group.Length} words");
}

Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(weightsPath))!);
WeightFile.Save(model, weightsPath);
var reloaded = new SpokenDigitsCnn();
WeightFile.Load(reloaded, weightsPath);
Console.WriteLine($"Saved {weightsPath}; reloaded, it scores {Trainer.Evaluate(reloaded, test).Accuracy:P2} on the unseen voices.");

// 5. One test word as the network hears it.
int seven = testIndices.IndexOf(testIndices.First(i => i % Corpus.Words.Length == 7));
Recording source = recordings[testIndices[seven] / Corpus.Words.Length];
string title = $"\"seven\" by {source.Voice} (never heard), -s {source.Speed} -p {source.Pitch}: heard as \"{Corpus.Words[predicted[seven]]}\"";
Console.WriteLine($"Spectrogram: {SpectrogramPicture.Save(test.Input(seven), picture, title)}");
if (arguments.PlotsDirectory is { } plots)
    Console.WriteLine($"Training curves: {string.Join(", ", TrainingCurves.Save(history.Epochs, plots, nameof(SpokenDigitsCnn)))}");
return evaluation.Accuracy >= 0.5 ? 0 : 1;

Dataset ToDataset(List<int> indices)
{
    var inputs = new float[indices.Count * Spectrogram.Frames * Spectrogram.MelBands];
    for (int i = 0; i < indices.Count; i++) features[indices[i]].CopyTo(inputs, i * Spectrogram.Frames * Spectrogram.MelBands);
    return new Dataset(inputs, [Spectrogram.Frames, Spectrogram.MelBands], indices.Select(i => i % Corpus.Words.Length).ToArray(), Corpus.Words.Length);
}

static string Describe(Novelty novelty) => novelty switch
{
    Novelty.NewVariant => "new variant, accent heard:",
    Novelty.NewAccent => $"new accent ({Corpus.TestAccent}), variant heard:",
    _ => "new accent and new variant:",
};

// Removes "--name value" from args and returns the value, or null when absent.
static string? TakeOption(ref string[] args, string name)
{
    int at = Array.IndexOf(args, name);
    if (at < 0) return null;
    if (at + 1 >= args.Length || args[at + 1].StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"{name} needs a value.");
    string value = args[at + 1];
    args = [.. args[..at], .. args[(at + 2)..]];
    return value;
}
