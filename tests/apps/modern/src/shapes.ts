// A relative import of the modern test app: classes, getters, statics.
export interface Shape {
    area(): number;
    readonly name: string;
}

export class Rect implements Shape {
    static count = 0;
    constructor(public readonly w: number, public readonly h: number) {
        Rect.count++;
    }
    area(): number {
        return this.w * this.h;
    }
    get name(): string {
        return `rect ${this.w}x${this.h}`;
    }
}

export class Square extends Rect {
    constructor(side: number) {
        super(side, side);
    }
    get name(): string {
        return `square ${this.w} (${super.name})`;
    }
}

export const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => setTimeout(resolve, ms));

export function* range(n: number): Generator<number> {
    for (let i = 0; i < n; i++) {
        yield i;
    }
}
