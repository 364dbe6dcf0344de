namespace Kata.Container.Seccomp.Bpf;

/// <summary>
/// Builds a classic BPF program with symbolic forward jump targets. Conditional jumps only reach 255 instructions
/// ahead (8-bit jt/jf), so <see cref="Assemble"/> lays the program out and turns every conditional jump whose target
/// is farther into a short one plus a <c>BPF_JA</c> (32-bit offset) trampoline, repeating until the layout is stable.
/// </summary>
public sealed class BpfAssembler
{
    private readonly List<Item> _items = [];
    private readonly List<int> _labelItemIndex = [];

    /// <summary>Creates a label to be placed later with <see cref="Mark"/>.</summary>
    public BpfLabel NewLabel()
    {
        _labelItemIndex.Add(-1);
        return new BpfLabel(_labelItemIndex.Count - 1);
    }

    /// <summary>Places <paramref name="label"/> at the next instruction to be emitted.</summary>
    public void Mark(BpfLabel label)
    {
        if (_labelItemIndex[label.Id] >= 0)
        {
            throw new InvalidOperationException($"BPF label {label.Id} is placed twice");
        }
        _labelItemIndex[label.Id] = _items.Count;
    }

    public void LoadWord(uint offset) => _items.Add(new Item(BpfOpcodes.LoadWordAbsolute, offset, null, null, false));

    public void And(uint mask) => _items.Add(new Item(BpfOpcodes.AndConstant, mask, null, null, false));

    public void Return(uint value) => _items.Add(new Item(BpfOpcodes.ReturnConstant, value, null, null, false));

    public void JumpAlways(BpfLabel target) => _items.Add(new Item(BpfOpcodes.JumpAlways, 0, target, null, false));

    /// <summary>A conditional jump; a null target means the next instruction.</summary>
    public void Jump(ushort condition, uint k, BpfLabel? whenTrue, BpfLabel? whenFalse) =>
        _items.Add(new Item(condition, k, whenTrue, whenFalse, true));

    /// <summary>The number of (unexpanded) instructions so far.</summary>
    public int Count => _items.Count;

    public BpfInstruction[] Assemble()
    {
        var farTrue = new bool[_items.Count];
        var farFalse = new bool[_items.Count];
        int[] positions;
        bool changed;
        do
        {
            positions = Layout(farTrue, farFalse);
            changed = false;
            for (var i = 0; i < _items.Count; i++)
            {
                var item = _items[i];
                if (!item.Conditional)
                {
                    continue;
                }
                var after = positions[i] + 1;
                if (!farTrue[i] && Target(item.WhenTrue, i, positions) - after > BpfOpcodes.MaxConditionalOffset)
                {
                    farTrue[i] = changed = true;
                }
                if (!farFalse[i] && Target(item.WhenFalse, i, positions) - after > BpfOpcodes.MaxConditionalOffset)
                {
                    farFalse[i] = changed = true;
                }
            }
        }
        while (changed);

        var program = new List<BpfInstruction>(positions[^1]);
        for (var i = 0; i < _items.Count; i++)
        {
            var item = _items[i];
            var p = positions[i];
            if (!item.Conditional)
            {
                var k = item.Code == BpfOpcodes.JumpAlways ? (uint)Forward(Target(item.WhenTrue, i, positions), p + 1) : item.K;
                program.Add(new BpfInstruction(item.Code, 0, 0, k));
                continue;
            }
            var trueTarget = Target(item.WhenTrue, i, positions);
            var falseTarget = Target(item.WhenFalse, i, positions);
            switch (farTrue[i], farFalse[i])
            {
                case (false, false):
                    program.Add(new BpfInstruction(item.Code, Short(trueTarget, p + 1), Short(falseTarget, p + 1), item.K));
                    break;
                case (true, false):
                    program.Add(new BpfInstruction(item.Code, 0, Short(falseTarget, p + 1), item.K));
                    program.Add(new BpfInstruction(BpfOpcodes.JumpAlways, 0, 0, (uint)Forward(trueTarget, p + 2)));
                    break;
                case (false, true):
                    program.Add(new BpfInstruction(item.Code, Short(trueTarget, p + 1), 0, item.K));
                    program.Add(new BpfInstruction(BpfOpcodes.JumpAlways, 0, 0, (uint)Forward(falseTarget, p + 2)));
                    break;
                default:
                    program.Add(new BpfInstruction(item.Code, 0, 1, item.K));
                    program.Add(new BpfInstruction(BpfOpcodes.JumpAlways, 0, 0, (uint)Forward(trueTarget, p + 2)));
                    program.Add(new BpfInstruction(BpfOpcodes.JumpAlways, 0, 0, (uint)Forward(falseTarget, p + 3)));
                    break;
            }
        }
        return [.. program];
    }

    /// <summary>Instruction positions per item, plus the total length as the last element.</summary>
    private int[] Layout(bool[] farTrue, bool[] farFalse)
    {
        var positions = new int[_items.Count + 1];
        for (var i = 0; i < _items.Count; i++)
        {
            positions[i + 1] = positions[i] + 1 + (farTrue[i] ? 1 : 0) + (farFalse[i] ? 1 : 0);
        }
        return positions;
    }

    /// <summary>The absolute position a jump of item <paramref name="index"/> lands on (null: the next item).</summary>
    private int Target(BpfLabel? label, int index, int[] positions)
    {
        if (label is not { } l)
        {
            return positions[index + 1];
        }
        var target = _labelItemIndex[l.Id];
        if (target < 0)
        {
            throw new InvalidOperationException($"BPF label {l.Id} is used but never placed");
        }
        if (target <= index)
        {
            throw new InvalidOperationException($"BPF label {l.Id} jumps backwards (classic BPF only jumps forward)");
        }
        return positions[target];
    }

    private static int Forward(int target, int from) =>
        target >= from ? target - from : throw new InvalidOperationException("BPF jump offset is negative");

    private static byte Short(int target, int from) => checked((byte)Forward(target, from));

    private readonly record struct Item(ushort Code, uint K, BpfLabel? WhenTrue, BpfLabel? WhenFalse, bool Conditional);
}
