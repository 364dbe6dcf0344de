using Kata.Hypervisor.Devices.Virtio;
using Kata.Hypervisor.Memory;
using static Kata.Hypervisor.Devices.Virtio.VirtqDescriptorFlags;

namespace Kata.Hypervisor.Tests.Devices.Virtio;

/// <summary>Walking and validating descriptor chains (virtio 1.2 §2.7.4, §2.7.5, §2.7.5.3): every rejection is a typed error.</summary>
public sealed class DescriptorChainTests
{
    private const ulong Data = 0x4_0000;

    [Fact]
    public void ValidChain_ReadableThenWritable_HasItsSegmentsAndLengths()
    {
        using var h = new VirtQueueHarness();
        h.Driver.WriteDescriptor(3, Data, 10, Next, 7);
        h.Driver.WriteDescriptor(7, Data + 0x100, 0, Next, 1); // zero-length: carries nothing, not checked
        h.Driver.WriteDescriptor(1, Data + 0x200, 20, Next | Write, 2);
        h.Driver.WriteDescriptor(2, Data + 0x300, 30, Write, 0);

        DescriptorChain chain = h.OfferAndPop(3);

        Assert.True(chain.IsValid);
        Assert.Equal(3, chain.HeadIndex);
        Assert.Equal(10u, chain.ReadableLength);
        Assert.Equal(50u, chain.WritableLength);
        Assert.Equal(
            [new DescriptorSegment(new GuestAddress(Data), 10, false), new DescriptorSegment(new GuestAddress(Data + 0x200), 20, true),
             new DescriptorSegment(new GuestAddress(Data + 0x300), 30, true)],
            chain.Segments);
    }

    [Fact]
    public void ReadAndWriteHelpers_CrossSegments_AndStopAtTheEnd()
    {
        using var h = new VirtQueueHarness();
        h.Memory.Write(new GuestAddress(Data), [1, 2, 3, 4]);
        h.Memory.Write(new GuestAddress(Data + 0x100), [5, 6, 7]);
        h.Driver.WriteDescriptor(0, Data, 4, Next, 1);
        h.Driver.WriteDescriptor(1, Data + 0x100, 3, Next, 2);
        h.Driver.WriteDescriptor(2, Data + 0x200, 2, Next | Write, 3);
        h.Driver.WriteDescriptor(3, Data + 0x300, 3, Write, 0);
        DescriptorChain chain = h.OfferAndPop(0);

        byte[] all = new byte[10];
        Assert.Equal(7, chain.ReadReadable(all));
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 0, 0, 0], all);
        byte[] middle = new byte[3];
        Assert.Equal(3, chain.ReadReadable(middle, offset: 3));
        Assert.Equal([4, 5, 6], middle);
        Assert.Equal(0, chain.ReadReadable(middle, offset: 7));

        Assert.Equal(5, chain.WriteWritable([9, 8, 7, 6, 5, 4, 3]));
        byte[] head = new byte[2];
        h.Memory.Read(new GuestAddress(Data + 0x200), head);
        Assert.Equal([9, 8], head);
        byte[] tail = new byte[3];
        h.Memory.Read(new GuestAddress(Data + 0x300), tail);
        Assert.Equal([7, 6, 5], tail);
        Assert.Equal(2, chain.WriteWritable([0xaa, 0xbb, 0xcc], offset: 3));
        h.Memory.Read(new GuestAddress(Data + 0x300), tail);
        Assert.Equal([7, 0xaa, 0xbb], tail);
        // The readable buffers were not written.
        Assert.Equal(1, h.Memory.Read<byte>(new GuestAddress(Data)));
    }

    [Fact]
    public void FillWritable_HandsOutEachWritableBuffer_UpToTheLimit()
    {
        using var h = new VirtQueueHarness();
        h.Driver.WriteDescriptor(0, Data, 4, Next | Write, 1);
        h.Driver.WriteDescriptor(1, Data + 0x100, 8, Write, 0);
        DescriptorChain chain = h.OfferAndPop(0);
        var lengths = new List<int>();

        int total = chain.FillWritable(span => { lengths.Add(span.Length); span.Fill(0x5a); }, maxBytes: 10);

        Assert.Equal(10, total);
        Assert.Equal([4, 6], lengths);
        Assert.Equal(0x5a, h.Memory.Read<byte>(new GuestAddress(Data + 0x105)));
        Assert.Equal(0, h.Memory.Read<byte>(new GuestAddress(Data + 0x106)));
    }

    [Fact]
    public void HeadIndexOutOfRange()
    {
        using var h = new VirtQueueHarness(size: 16);
        AssertRejected(h, h.OfferAndPop(16), DescriptorChainError.HeadIndexOutOfRange);
    }

    [Fact]
    public void NextIndexOutOfRange()
    {
        using var h = new VirtQueueHarness(size: 16);
        h.Driver.WriteDescriptor(0, Data, 8, Next, 16);
        AssertRejected(h, h.OfferAndPop(0), DescriptorChainError.NextIndexOutOfRange);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(16)]
    public void LoopingChain_IsChainTooLong(int loopLength)
    {
        using var h = new VirtQueueHarness(size: 16);
        for (int i = 0; i < loopLength; i++)
        {
            h.Driver.WriteDescriptor(i, Data, 8, Next, (ushort)((i + 1) % loopLength));
        }
        AssertRejected(h, h.OfferAndPop(0), DescriptorChainError.ChainTooLong);
    }

    [Fact]
    public void ChainOfExactlyQueueSize_IsAccepted()
    {
        using var h = new VirtQueueHarness(size: 8);
        for (int i = 0; i < 8; i++)
        {
            h.Driver.WriteDescriptor(i, Data + (ulong)i * 16, 16, i < 7 ? Next : None, (ushort)(i + 1));
        }
        DescriptorChain chain = h.OfferAndPop(0);
        Assert.True(chain.IsValid);
        Assert.Equal(128u, chain.ReadableLength);
    }

    [Theory]
    [InlineData(0xff000UL, 0x2000u)] // runs past the end of RAM
    [InlineData(0x1_0000_0000UL, 16u)] // no RAM there at all
    [InlineData(0xfffffUL, 2u)] // straddles the end by one byte
    public void BufferOutsideGuestMemory(ulong address, uint length)
    {
        using var h = new VirtQueueHarness();
        h.Driver.WriteDescriptor(0, Data, 8, Next, 1);
        h.Driver.WriteDescriptor(1, address, length, Write, 0);
        AssertRejected(h, h.OfferAndPop(0), DescriptorChainError.BufferOutsideGuestMemory);
    }

    [Fact]
    public void AddressPlusLengthOverflowing64Bits()
    {
        using var h = new VirtQueueHarness();
        h.Driver.WriteDescriptor(0, ulong.MaxValue - 4, 16, Write, 0);
        AssertRejected(h, h.OfferAndPop(0), DescriptorChainError.AddressOverflow);
    }

    [Fact]
    public void ChainLongerThan4GiB_IsChainTooLarge()
    {
        // 6 GiB of RAM, reserved but never touched (MAP_NORESERVE): two 3 GiB buffers add up past 2^32 - 1.
        using var h = new VirtQueueHarness(memoryBytes: 6UL << 30);
        h.Driver.WriteDescriptor(0, 1UL << 28, 3u << 30, Next, 1);
        h.Driver.WriteDescriptor(1, 7UL << 29, 5u << 29, Write, 0);
        AssertRejected(h, h.OfferAndPop(0), DescriptorChainError.ChainTooLarge);
    }

    [Fact]
    public void ReadableAfterWritable_IsRejected_UnlessTheDeviceTakesAnyLayout()
    {
        using var h = new VirtQueueHarness();
        h.Driver.WriteDescriptor(0, Data, 8, Next | Write, 1);
        h.Driver.WriteDescriptor(1, Data + 0x100, 8, None, 0);
        AssertRejected(h, h.OfferAndPop(0), DescriptorChainError.ReadableAfterWritable);

        h.Queue.RequireReadableBeforeWritable = false;
        DescriptorChain chain = h.OfferAndPop(0);
        Assert.True(chain.IsValid);
        Assert.Equal(8u, chain.ReadableLength);
        Assert.Equal(8u, chain.WritableLength);
    }

    [Fact]
    public void IndirectTable_FollowingDirectDescriptors_IsWalked()
    {
        using var h = new VirtQueueHarness(features: VirtioFeatures.Version1 | VirtioFeatures.IndirectDescriptors);
        GuestAddress table = VirtQueueHarness.IndirectTable;
        h.Driver.WriteDescriptorAt(table, 0, Data + 0x100, 4, Next, 2);
        h.Driver.WriteDescriptorAt(table, 2, Data + 0x200, 6, Next | Write, 1);
        h.Driver.WriteDescriptorAt(table, 1, Data + 0x300, 8, Write, 0);
        h.Driver.WriteDescriptor(5, Data, 2, Next, 9);
        // §2.7.5.3.2: the WRITE flag of the descriptor that refers to the table is ignored.
        h.Driver.WriteDescriptor(9, table.Value, 3 * 16, Indirect | Write, 0);

        DescriptorChain chain = h.OfferAndPop(5);

        Assert.True(chain.IsValid, chain.Error.ToString());
        Assert.Equal(6u, chain.ReadableLength);
        Assert.Equal(14u, chain.WritableLength);
        Assert.Equal([Data, Data + 0x100, Data + 0x200, Data + 0x300], chain.Segments.Select(s => s.Address.Value));
    }

    [Fact]
    public void Indirect_WithoutTheFeature_IsRejected()
    {
        using var h = new VirtQueueHarness();
        h.Driver.WriteDescriptorAt(VirtQueueHarness.IndirectTable, 0, Data, 4, Write, 0);
        h.Driver.WriteDescriptor(0, VirtQueueHarness.IndirectTable.Value, 16, Indirect, 0);
        AssertRejected(h, h.OfferAndPop(0), DescriptorChainError.IndirectNotNegotiated);
    }

    [Theory]
    [InlineData(0u, DescriptorChainError.IndirectTableBadLength)]
    [InlineData(17u, DescriptorChainError.IndirectTableBadLength)]
    [InlineData(15u, DescriptorChainError.IndirectTableBadLength)]
    [InlineData(17u * 16, DescriptorChainError.IndirectTableTooLarge)]
    public void IndirectTable_WithABadLength(uint length, DescriptorChainError expected)
    {
        using var h = new VirtQueueHarness(size: 16, features: VirtioFeatures.IndirectDescriptors);
        h.Driver.WriteDescriptor(0, VirtQueueHarness.IndirectTable.Value, length, Indirect, 0);
        AssertRejected(h, h.OfferAndPop(0), expected);
    }

    [Theory]
    [InlineData(0xfff80UL)] // runs past the end of RAM
    [InlineData(0x3_0008UL)] // misaligned
    [InlineData(0xffff_ffff_ffff_fff0UL)] // wraps
    public void IndirectTable_OutsideGuestMemory(ulong address)
    {
        using var h = new VirtQueueHarness(features: VirtioFeatures.IndirectDescriptors);
        h.Driver.WriteDescriptor(0, address, 16 * 16, Indirect, 0);
        AssertRejected(h, h.OfferAndPop(0), DescriptorChainError.IndirectTableOutsideGuestMemory);
    }

    [Fact]
    public void NestedIndirect_IsRejected()
    {
        using var h = new VirtQueueHarness(features: VirtioFeatures.IndirectDescriptors);
        GuestAddress table = VirtQueueHarness.IndirectTable;
        h.Driver.WriteDescriptorAt(table, 0, table.Value + 0x100, 16, Indirect, 0);
        h.Driver.WriteDescriptor(0, table.Value, 16, Indirect, 0);
        AssertRejected(h, h.OfferAndPop(0), DescriptorChainError.NestedIndirect);
    }

    [Fact]
    public void IndirectWithNext_IsRejected()
    {
        using var h = new VirtQueueHarness(features: VirtioFeatures.IndirectDescriptors);
        h.Driver.WriteDescriptorAt(VirtQueueHarness.IndirectTable, 0, Data, 4, Write, 0);
        h.Driver.WriteDescriptor(0, VirtQueueHarness.IndirectTable.Value, 16, Indirect | Next, 1);
        AssertRejected(h, h.OfferAndPop(0), DescriptorChainError.IndirectWithNext);
    }

    [Fact]
    public void LoopInsideAnIndirectTable_IsChainTooLong()
    {
        using var h = new VirtQueueHarness(features: VirtioFeatures.IndirectDescriptors);
        GuestAddress table = VirtQueueHarness.IndirectTable;
        h.Driver.WriteDescriptorAt(table, 0, Data, 4, Next, 1);
        h.Driver.WriteDescriptorAt(table, 1, Data, 4, Next, 0);
        h.Driver.WriteDescriptor(0, table.Value, 2 * 16, Indirect, 0);
        AssertRejected(h, h.OfferAndPop(0), DescriptorChainError.ChainTooLong);
    }

    [Fact]
    public void NextOutOfRangeInsideAnIndirectTable()
    {
        using var h = new VirtQueueHarness(features: VirtioFeatures.IndirectDescriptors);
        GuestAddress table = VirtQueueHarness.IndirectTable;
        h.Driver.WriteDescriptorAt(table, 0, Data, 4, Next, 2);
        h.Driver.WriteDescriptor(0, table.Value, 2 * 16, Indirect, 0);
        AssertRejected(h, h.OfferAndPop(0), DescriptorChainError.NextIndexOutOfRange);
    }

    [Fact]
    public void DescriptorsRewrittenAfterThePop_DoNotChangeTheValidatedChain()
    {
        using var h = new VirtQueueHarness();
        h.Driver.WriteDescriptor(0, Data, 8, Write, 0);
        DescriptorChain chain = h.OfferAndPop(0);

        h.Driver.WriteDescriptor(0, 0xffff_0000, 0xffff, Write, 0);

        Assert.Equal(8, chain.WriteWritable(new byte[100]));
        Assert.Equal(new GuestAddress(Data), Assert.Single(chain.Segments).Address);
    }

    private static void AssertRejected(VirtQueueHarness h, DescriptorChain chain, DescriptorChainError expected)
    {
        Assert.Equal(expected, chain.Error);
        Assert.False(chain.IsValid);
        Assert.Empty(chain.Segments);
        Assert.Equal(0u, chain.ReadableLength);
        Assert.Equal(0u, chain.WritableLength);
        Assert.Equal(0, chain.WriteWritable([1, 2, 3]));
        Assert.Equal(expected, h.Queue.LastChainError);
        Assert.Equal(1, h.Queue.InvalidChains);
        Assert.Contains(h.Log.Messages, m => m.Contains(expected.ToString(), StringComparison.Ordinal));
        // The head still comes back to the driver exactly once (with nothing written).
        Assert.True(h.Queue.AddUsed(chain, 100));
        Assert.Equal([((uint)chain.HeadIndex, 0u)], h.Driver.TakeUsed());
        Assert.Equal(VirtQueueFault.None, h.Queue.Fault);
    }
}
