// This file is also compiled into the generator (linked), so that the scratch the generated code declares for a
// Winograd convolution is the scratch Winograd.Convolve3x3 asks for. Keep it free of anything netstandard2.0 lacks.
namespace Cnn;

/// <summary>The scratch of <c>Winograd.Convolve3x3</c>: its transformed kernel and one block of transformed tiles and products.</summary>
internal static class WinogradSizes
{
    /// <summary>Channels and filters are multiples of this: every vector width (16, 8, 4 floats) then divides them.</summary>
    public const int ChannelMultiple = 16;

    /// <summary>Bytes of transformed tiles and products one block of tiles may take: with room in L2 for the transformed kernel.</summary>
    public const int TileBlockBytes = 384 * 1024;

    /// <summary>
    /// Bytes of transformed tiles and products one block may take when the transformed kernel is larger than
    /// <see cref="CachedKernelBytes"/>: each block reads all of it from memory, so fewer, larger blocks.
    /// </summary>
    public const int LargeKernelTileBlockBytes = 2048 * 1024;

    /// <summary>The largest transformed kernel that stays in L2 between blocks of tiles: 1 MiB (128 channels by 128 filters).</summary>
    public const long CachedKernelBytes = 1024 * 1024;

    /// <summary>Rows (tiles) of one register block of the products.</summary>
    public const int BlockRows = 6;

    /// <summary>Floats of the transformed kernel: 16 per channel and filter.</summary>
    public static long KernelScratch(long channels, long filters) => 16 * channels * filters;

    /// <summary>Floats of the transformed tiles and products of one block of tiles (<see cref="TileBlock"/>).</summary>
    public static long TileScratch(long outHeight, long outWidth, long channels, long filters)
    {
        long block = TileBlock(outHeight, outWidth, channels, filters);
        return 16 * (Plane(block, channels) + Plane(block, filters));
    }

    /// <summary>
    /// Floats from one position's transformed tiles (or products) to the next: a block's <paramref name="columns"/> values per
    /// tile plus one cache line, so that the 16 positions, written side by side, do not fall on the same L1 sets (a
    /// multiple of 4 KiB apart, they would).
    /// </summary>
    public static long Plane(long tiles, long columns) => tiles * columns + 16;

    /// <summary>
    /// Tiles transformed and multiplied together: a multiple of the register block's rows that keeps them within
    /// <see cref="TileBlockBytes"/> (or <see cref="LargeKernelTileBlockBytes"/>), and no more than the output has.
    /// </summary>
    public static long TileBlock(long outHeight, long outWidth, long channels, long filters)
    {
        long bytes = 4 * KernelScratch(channels, filters) > CachedKernelBytes ? LargeKernelTileBlockBytes : TileBlockBytes;
        long fit = bytes / (16L * 4 * System.Math.Max(1L, channels + filters));
        long tiles = ((outHeight + 1) / 2) * ((outWidth + 1) / 2);
        long block = System.Math.Min(System.Math.Max(BlockRows, fit / BlockRows * BlockRows), (tiles + BlockRows - 1) / BlockRows * BlockRows);
        return System.Math.Max(BlockRows, block);
    }
}
