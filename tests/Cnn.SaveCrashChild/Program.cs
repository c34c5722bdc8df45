// Saves weight files in a loop until killed: `Cnn.SaveCrashChild <path> <first version>`. Prints "ready" before
// the first save and "saved <version>" after each save returns, so that the killing test knows which versions
// were complete. See tests/Cnn.Runtime.Tests/AtomicSaveTests.cs.
using System.Globalization;
using Cnn.SaveCrashChild;

if (args.Length != 2 || !long.TryParse(args[1], NumberStyles.None, CultureInfo.InvariantCulture, out long version))
{
    Console.Error.WriteLine("usage: Cnn.SaveCrashChild <path> <first version>");
    return 2;
}
var model = new VersionedModel();
Console.Out.WriteLine("ready");
Console.Out.Flush();
for (; ; version++)
{
    model.Save(version, args[0]);
    Console.Out.WriteLine(FormattableString.Invariant($"saved {version}"));
    Console.Out.Flush();
}
